import type { EngineThreadState } from '../engine/contract/api';

/**
 * The desktop window's security rules and the engine thread's restart policy, kept free of
 * Electron imports so they are tested under plain Node (the Electron binary is not everywhere).
 */

/**
 * Content-Security-Policy of the app's own page: its scripts and styles only (React inlines
 * styles), no plugins, no frames, no base-URI tricks, no form posts, and no network beyond the
 * page's own origin (the engine is reached through the preload bridge, not over the network).
 */
export const APP_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Whether the window may navigate to `target`: only to the document it was opened on (a reload),
 * never elsewhere — a link in an incident note or a compromised page must not take the console
 * away from the plant. `appUrl` is the file:// page or the dev server's URL.
 */
export function navigationAllowed(target: string, appUrl: string): boolean {
  let t: URL;
  let a: URL;
  try {
    t = new URL(target);
    a = new URL(appUrl);
  } catch {
    return false;
  }
  if (t.protocol !== a.protocol) return false;
  if (a.protocol === 'file:') return t.pathname === a.pathname;
  return t.origin === a.origin;
}

/** Whether the app runs as a plant-floor kiosk: full screen, no menu, no way out but the OS. */
export function kioskRequested(argv: readonly string[], env: Record<string, string | undefined>): boolean {
  return argv.includes('--kiosk') || env['VIGIL_KIOSK'] === '1';
}

export type { EngineThreadState };
export { EngineRestartPolicy } from '../engine/service/engineRestartPolicy';
