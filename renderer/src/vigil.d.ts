import type { VigilApi } from '../../engine/contract/api';

declare global {
  interface Window {
    /** The typed bridge the preload exposes; nothing else of Electron or Node is reachable. */
    vigil: VigilApi;
  }
}
