import { PlantStatusSchema, type PlantStatus, type VigilApi } from '../../engine/contract';

/** How often a browser front end asks for a new snapshot: the console's fixed chart rate. */
const POLL_MS = 1000;

/**
 * The same `VigilApi` the Electron preload exposes, served over HTTP by `vigil serve`: a supervisor's
 * browser on another machine, or a test's Chromium, sees exactly the page the desktop app shows.
 * Every snapshot is parsed with the contract's schema before the page uses it.
 */
export function httpBridge(baseUrl: string): VigilApi {
  const fetchStatus = async (): Promise<PlantStatus | null> => {
    const res = await fetch(`${baseUrl}/status`, { cache: 'no-store' });
    if (!res.ok) return null;
    return PlantStatusSchema.parse(await res.json());
  };
  return {
    getStatus: fetchStatus,
    onStatus(listener) {
      let stopped = false;
      const tick = async (): Promise<void> => {
        if (stopped) return;
        try {
          const s = await fetchStatus();
          if (s && !stopped) listener(s);
        } catch (err) {
          console.warn('status poll failed', err);
        }
        if (!stopped) setTimeout(() => void tick(), POLL_MS);
      };
      void tick();
      return () => {
        stopped = true;
      };
    },
  };
}
