import { z } from 'zod';
import type { PlantStatus } from './status';

/**
 * What the renderer may call: the preload exposes exactly this as `window.vigil`. Issue 5 grows it
 * into the full console contract (acknowledge, shelve, trip, thresholds, incidents).
 */
export interface VigilApi {
  getStatus(): Promise<PlantStatus | null>;
  /** Subscribes to status snapshots (fixed rate); returns the unsubscribe function. */
  onStatus(listener: (status: PlantStatus) => void): () => void;
  /** Whether the engine thread runs, is being restarted, or stopped (desktop app; absent in a browser). */
  onEngineState?(listener: (state: EngineThreadState) => void): () => void;
}

/** What the window shows about the engine: a console whose engine stopped must say so, not freeze. */
export const EngineThreadStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('running') }),
  z.object({ state: z.literal('restarting'), detail: z.string(), inMs: z.number() }),
  z.object({ state: z.literal('stopped'), detail: z.string() }),
]);
export type EngineThreadState = z.infer<typeof EngineThreadStateSchema>;
