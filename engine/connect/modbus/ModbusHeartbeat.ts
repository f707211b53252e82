import { ModbusLink, type ModbusLinkCounters, type ModbusLinkOptions } from './ModbusLink';

/** Options of a `ModbusHeartbeat`: the controller's endpoint, the coil and how often to toggle it. */
export interface ModbusHeartbeatOptions extends Omit<ModbusLinkOptions, 'name'> {
  /** The controller's heartbeat coil; 1000 as in `controller.py` unless the plant says otherwise. */
  coil?: number;
  /**
   * Toggle period. Keep it well under the controller's watchdog (a third or less), so one late
   * tick or one lost write does not trip the plant.
   */
  periodMs: number;
  name?: string;
}

/** Counts since construction. */
export interface ModbusHeartbeatCounters {
  /** Toggles the controller acknowledged. */
  toggles: number;
  /** Ticks that sent nothing: no connection, or the previous write still unanswered. */
  skipped: number;
  /** Writes that failed (exception, timeout, connection lost). */
  failures: number;
  lastError: string | null;
  link: ModbusLinkCounters;
}

/**
 * The engine's "I am alive" signal to the plant controller: it toggles the heartbeat coil every
 * `periodMs` from the thread it is created on. Create it on the thread that runs protection: if
 * that thread stalls (a blocked event loop) or the process dies, the toggling stops and the
 * controller's watchdog trips the machines. That is the fail-safe; nothing here tries to keep the
 * heartbeat going on the engine's behalf.
 *
 * It has its own connection, so heartbeats never wait behind trip read-backs and trips never wait
 * behind heartbeats (jsmodbus sends one request at a time per connection).
 */
export class ModbusHeartbeat {
  readonly name: string;
  readonly #coil: number;
  readonly #link: ModbusLink;
  readonly #timer: NodeJS.Timeout;
  /** The value last acknowledged by the controller; the next write sends its opposite. */
  #value = false;
  #pending = false;
  #disposed = false;
  #toggles = 0;
  #skipped = 0;
  #failures = 0;
  #lastError: string | null = null;

  constructor(o: ModbusHeartbeatOptions) {
    this.#coil = o.coil ?? 1000;
    if (!Number.isInteger(this.#coil) || this.#coil < 0 || this.#coil > 0xffff) throw new Error(`heartbeat coil must be a 16-bit address, got ${this.#coil}`);
    if (!(o.periodMs > 0)) throw new Error(`heartbeat periodMs must be positive, got ${o.periodMs}`);
    this.name = o.name ?? `modbus-heartbeat:${o.host}:${o.port}`;
    this.#link = new ModbusLink({ ...o, name: this.name });
    this.#timer = setInterval(() => this.#tick(), o.periodMs);
  }

  /** Resolves once connected (start-up, tests); rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    return this.#link.whenConnected(timeoutMs);
  }

  /** Counters so far (a copy). */
  counters(): ModbusHeartbeatCounters {
    return { toggles: this.#toggles, skipped: this.#skipped, failures: this.#failures, lastError: this.#lastError, link: this.#link.counters() };
  }

  /** Stops toggling and closes the connection: the controller's watchdog will then trip. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    clearInterval(this.#timer);
    this.#link.dispose();
  }

  #tick(): void {
    const conn = this.#link.current();
    if (!conn || this.#pending) {
      this.#skipped++;
      return;
    }
    const next = !this.#value;
    this.#pending = true;
    void conn.client.writeSingleCoil(this.#coil, next).then(
      () => {
        this.#value = next;
        this.#toggles++;
      },
      (err: unknown) => {
        this.#failures++;
        this.#lastError = (err as { message?: string }).message ?? String(err);
        // A timed-out request leaves the stream out of step; reconnect rather than guess.
        if ((err as { err?: string }).err === 'Timeout') this.#link.drop('heartbeat write timed out');
      },
    ).finally(() => (this.#pending = false));
  }
}
