/** Timer functions and a monotonic clock, injectable so a test can drive them. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const GLOBAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => globalThis.performance.now(),
};

/** How `LatestOnly` paces requests. */
export interface LatestOnlyOptions {
  /** Quiet time after the newest query before it is sent. */
  debounceMs: number;
  /** Longest a query waits for quiet: a continuous drag still gets an answer this often. */
  maxWaitMs: number;
  timers?: Timers;
}

/** One finished request: its query, and its value or error; `superseded` when a newer query is already waiting. */
export type LatestOutcome<Q, R> = { query: Q; superseded: boolean } & ({ ok: true; value: R } | { ok: false; error: unknown });

/** Counters a page shows (and a test reads) to prove that dragging does not flood the host. */
export interface LatestStats {
  /** Queries asked for. */
  asked: number;
  /** Requests actually sent. */
  sent: number;
}

/**
 * Runs at most one request at a time and, of the queries asked for meanwhile, only the newest:
 * dragging a scrubber asks hundreds of times, and the host answers a handful. A query waits
 * `debounceMs` of quiet before it is sent, so a burst of key presses becomes one request, but never
 * more than `maxWaitMs` since it began waiting, so a long drag still shows where it is. Every
 * answer is delivered (a stale one marked `superseded`, so the page can show it while the newest
 * is on its way). Owns its timer: `dispose` stops it and drops answers still to come.
 */
export class LatestOnly<Q, R> {
  readonly #run: (query: Q) => Promise<R>;
  readonly #deliver: (outcome: LatestOutcome<Q, R>) => void;
  readonly #debounceMs: number;
  readonly #timers: Timers;
  #waiting: { query: Q } | null = null;
  #inFlight = false;
  #timer: unknown = null;
  /** When the waiting query (or the first of those it replaced) was asked for. */
  #waitingSince: number | null = null;
  readonly #maxWaitMs: number;
  #disposed = false;
  readonly #stats: LatestStats = { asked: 0, sent: 0 };

  constructor(run: (query: Q) => Promise<R>, deliver: (outcome: LatestOutcome<Q, R>) => void, options: LatestOnlyOptions) {
    this.#run = run;
    this.#deliver = deliver;
    this.#debounceMs = options.debounceMs;
    this.#maxWaitMs = options.maxWaitMs;
    this.#timers = options.timers ?? GLOBAL_TIMERS;
  }

  /** Asks for `query`; replaces any query still waiting. */
  request(query: Q): void {
    if (this.#disposed) return;
    this.#stats.asked++;
    this.#waiting = { query };
    this.#waitingSince ??= this.#timers.now();
    this.#arm();
  }

  /** True while a request is out or a query waits. */
  get busy(): boolean {
    return this.#inFlight || this.#waiting !== null;
  }

  /** A copy of the counters. */
  stats(): LatestStats {
    return { ...this.#stats };
  }

  /** Stops the timer; an answer still to come is dropped, and nothing more is sent. */
  dispose(): void {
    this.#disposed = true;
    this.#waiting = null;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** (Re)starts the quiet period, cut short by the longest wait, unless a request is out: its end re-arms. */
  #arm(): void {
    if (this.#inFlight) return;
    const waitedMs = this.#timers.now() - (this.#waitingSince ?? this.#timers.now());
    const delayMs = Math.max(0, Math.min(this.#debounceMs, this.#maxWaitMs - waitedMs));
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => this.#send(), delayMs);
  }

  #send(): void {
    this.#timer = null;
    const next = this.#waiting;
    if (this.#disposed || this.#inFlight || next === null) return;
    this.#waiting = null;
    this.#waitingSince = null;
    this.#inFlight = true;
    this.#stats.sent++;
    let outcome: Promise<LatestOutcome<Q, R>>;
    try {
      outcome = this.#run(next.query).then(
        (value) => ({ query: next.query, superseded: this.#waiting !== null, ok: true as const, value }),
        (error: unknown) => ({ query: next.query, superseded: this.#waiting !== null, ok: false as const, error }),
      );
    } catch (error) {
      outcome = Promise.resolve({ query: next.query, superseded: this.#waiting !== null, ok: false as const, error });
    }
    void outcome.then((o) => {
      this.#inFlight = false;
      if (this.#disposed) return;
      this.#deliver(o);
      if (this.#waiting !== null) this.#arm();
    });
  }
}
