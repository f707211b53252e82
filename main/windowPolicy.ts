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

/**
 * When to restart a dead engine thread: at once the first time, then with doubling back-off up to
 * `maxDelayMs`, back to at once after it ran `stableAfterMs`; a thread that dies `maxRestarts`
 * times within `windowMs` is left stopped (something is wrong that restarting will not fix, and
 * the window says so instead of flapping).
 */
export class EngineRestartPolicy {
  private deaths: number[] = [];
  private delayMs = 0;
  private startedMs = 0;

  constructor(
    private readonly o: { baseDelayMs?: number; maxDelayMs?: number; stableAfterMs?: number; maxRestarts?: number; windowMs?: number } = {},
  ) {}

  /** The thread started at `nowMs`. */
  started(nowMs: number): void {
    this.startedMs = nowMs;
  }

  /** The thread died at `nowMs` with `reason`: restart after `inMs`, or stay stopped. */
  died(nowMs: number, reason: string): EngineThreadState {
    const windowMs = this.o.windowMs ?? 10 * 60_000;
    this.deaths = [...this.deaths.filter((t) => nowMs - t < windowMs), nowMs];
    if (this.deaths.length > (this.o.maxRestarts ?? 5)) {
      return { state: 'stopped', detail: `the engine stopped ${this.deaths.length} times in ${Math.round(windowMs / 60_000)} min (last: ${reason}); not restarting — trips are not being decided, call the engineer` };
    }
    const stable = nowMs - this.startedMs >= (this.o.stableAfterMs ?? 60_000);
    const base = this.o.baseDelayMs ?? 1000;
    this.delayMs = stable || this.delayMs === 0 ? (this.deaths.length === 1 || stable ? 0 : base) : Math.min(this.o.maxDelayMs ?? 30_000, Math.max(base, this.delayMs * 2));
    return { state: 'restarting', detail: `the engine stopped (${reason}); restarting${this.delayMs > 0 ? ` in ${Math.round(this.delayMs / 1000)} s` : ''}`, inMs: this.delayMs };
  }
}
