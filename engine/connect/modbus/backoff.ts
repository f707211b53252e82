/**
 * How long a Modbus client waits before its next connection attempt. A controller that has gone
 * away (rebooting, cable pulled) must not be hammered with connects, yet the trip path must come
 * back within seconds once it returns: so the wait doubles from `initialMs` up to `maxMs`, and a
 * random share (`jitter`, 0..1) is taken off so that many engines restarted together do not
 * reconnect in lock step.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Fraction of the delay that may be removed at random; 0 = deterministic. */
  jitter: number;
}

/** 100 ms doubling to 5 s, up to 20 % shorter at random. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5000, jitter: 0.2 };

/**
 * The wait before attempt `failures + 1`, after `failures` consecutive failed or short-lived
 * connections. Pure: the randomness comes in as `random` (0 ≤ r < 1), so tests can pin it.
 * Never above `maxMs` and never below `(1 - jitter)` times the un-jittered delay.
 */
export function backoffDelayMs(failures: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(0, Math.floor(failures)), 30);
  const baseMs = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return baseMs * (1 - jitter * random());
}

/** A policy with `partial`'s fields over the defaults, refused when it could spin or never retry. */
export function backoffPolicy(partial: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const p = { ...DEFAULT_BACKOFF, ...partial };
  if (!(p.initialMs > 0) || !(p.maxMs >= p.initialMs) || !Number.isFinite(p.maxMs)) {
    throw new Error(`back-off needs 0 < initialMs <= maxMs < Infinity, got ${p.initialMs} and ${p.maxMs} ms`);
  }
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw new Error(`back-off jitter must be within 0..1, got ${p.jitter}`);
  return p;
}
