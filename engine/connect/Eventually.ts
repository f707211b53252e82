/**
 * Something opened in the background until it succeeds: a trip output's or a heartbeat's first
 * connection to a broker that may be down when Vigil starts. The open is tried again after a delay
 * that doubles up to `maxDelayMs`, so a plant of engines does not flood a broker that is coming
 * back. Once open, the thing keeps its own reconnection policy (`MqttSession`); this class only
 * covers the first connection, which `MqttSession.open` does not retry.
 */
export class Eventually<T extends { dispose(): Promise<void> | void }> {
  #current: T | null = null;
  #lastError = 'first attempt under way';
  #timer: ReturnType<typeof setTimeout> | null = null;
  #disposed = false;

  constructor(
    private readonly open: () => Promise<T>,
    private readonly onOpen: (t: T) => void,
    firstDelayMs: number,
    private readonly maxDelayMs = 10_000,
  ) {
    this.#attempt(firstDelayMs);
  }

  /** The opened thing, or null while it is still being reached. */
  get current(): T | null {
    return this.#current;
  }

  /** Why the last attempt failed (shown while `current` is null). */
  get lastError(): string {
    return this.#lastError;
  }

  /** Stops trying, and disposes the thing if it was opened. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#current?.dispose();
  }

  #attempt(nextDelayMs: number): void {
    this.open().then(
      (t) => {
        if (this.#disposed) return void t.dispose();
        this.#current = t;
        this.onOpen(t);
      },
      (err: unknown) => {
        this.#lastError = err instanceof Error ? err.message : String(err);
        if (this.#disposed) return;
        this.#timer = setTimeout(() => this.#attempt(Math.min(this.maxDelayMs, nextDelayMs * 2)), nextDelayMs);
      },
    );
  }
}
