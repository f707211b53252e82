/** How long an armed emergency stop waits for its confirmation before it disarms itself. */
export const ARM_WINDOW_MS = 10_000;
/**
 * The confirm button ignores clicks this soon after arming: a double click (or a bouncing key)
 * on the arm button must never become arm + confirm.
 */
export const CONFIRM_GUARD_MS = 400;

/** One acknowledged trip command, as the page lists it. */
export interface TripAck {
  assetId: string;
  commandedAtMs: number;
  latencyUs: number;
  actuator: string;
}

/** The e-stop bar's state: idle, armed (waiting for the second, distinct confirmation), sending. */
export type EStopState =
  | { phase: 'idle'; note: string | null }
  | { phase: 'armed'; target: string; reason: string; armedAtMs: number }
  | { phase: 'sending'; target: string; reason: string; sentAtMs: number };

/** What happened to the e-stop bar (past tense: the page's events). */
export type EStopEvent =
  | { type: 'Armed'; target: string; reason: string; atMs: number }
  | { type: 'Disarmed'; why: 'cancelled' | 'escape' | 'timeout' | 'changed' }
  | { type: 'Confirmed'; atMs: number }
  | { type: 'Settled' };

const DISARM_NOTE: Record<Extract<EStopEvent, { type: 'Disarmed' }>['why'], string> = {
  cancelled: 'Disarmed: cancelled. Nothing was sent.',
  escape: 'Disarmed with Escape. Nothing was sent.',
  timeout: `Disarmed: not confirmed within ${ARM_WINDOW_MS / 1000} s. Nothing was sent.`,
  changed: 'Disarmed: the machine or reason changed. Nothing was sent; arm again.',
};

export const INITIAL_ESTOP: EStopState = { phase: 'idle', note: null };

/**
 * The e-stop bar as a pure state machine: only an armed bar can be confirmed, and only after the
 * guard delay; every other event leaves a trip unsent. Kept apart from the component so the rule
 * "a single stray click never trips" is one function a test can read.
 */
export function evolveEStop(state: EStopState, e: EStopEvent): EStopState {
  switch (e.type) {
    case 'Armed':
      return state.phase === 'sending' ? state : { phase: 'armed', target: e.target, reason: e.reason, armedAtMs: e.atMs };
    case 'Disarmed':
      return state.phase === 'armed' ? { phase: 'idle', note: DISARM_NOTE[e.why] } : state;
    case 'Confirmed':
      if (state.phase !== 'armed' || e.atMs - state.armedAtMs < CONFIRM_GUARD_MS || e.atMs - state.armedAtMs > ARM_WINDOW_MS) return state;
      return { phase: 'sending', target: state.target, reason: state.reason, sentAtMs: e.atMs };
    case 'Settled':
      return state.phase === 'sending' ? { phase: 'idle', note: null } : state;
  }
}
