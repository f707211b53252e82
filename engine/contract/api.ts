import type { PlantStatus } from './status';

/**
 * What the renderer may call: the preload exposes exactly this as `window.vigil`. Issue 5 grows it
 * into the full console contract (acknowledge, shelve, trip, thresholds, incidents).
 */
export interface VigilApi {
  getStatus(): Promise<PlantStatus | null>;
  /** Subscribes to status snapshots (fixed rate); returns the unsubscribe function. */
  onStatus(listener: (status: PlantStatus) => void): () => void;
}
