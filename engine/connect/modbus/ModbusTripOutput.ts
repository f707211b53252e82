import Modbus from 'jsmodbus';
import type { Actuator, TripCommand, TripReceipt } from '../../actuate/actuator';
import { ModbusLink, type ModbusConnection, type ModbusLinkCounters, type ModbusLinkOptions } from './ModbusLink';

/**
 * Where an asset's trip request lives in the controller: a coil set to 1 (FC5, read back with
 * FC1), or a holding register set to a command value (FC6, read back with FC3) for controllers
 * programmed with a command word.
 */
export type ModbusTripTarget = { coil: number } | { register: number; value: number };

/**
 * What became of one trip command after `requestTrip` returned. The receipt only says the command
 * left; this says whether the controller took it, because a console that believes a trip went out
 * when it did not is worse than one that knows it failed.
 *
 * - `verified`: the write was acknowledged and reading the address back gave the written value;
 * - `mismatch`: acknowledged, but the read-back differs (something else owns that address);
 * - `exception`: the controller answered with a Modbus exception (e.g. ILLEGAL DATA ADDRESS);
 * - `timeout`: no reply within the request timeout (the link then reconnects);
 * - `disconnected`: the connection closed before the command was confirmed.
 */
export interface ModbusTripOutcome {
  assetId: string;
  /** The operator stop's id; null for protection trips, which have none. */
  commandId: string | null;
  /** This output's running number for the command, 1 for the first. */
  seq: number;
  /** Wall-clock ms when the write was handed to the client: the receipt's `commandedAtMs`. */
  commandedAtMs: number;
  /** Wall-clock ms when the read-back confirmed it; null unless `verified`. */
  verifiedAtMs: number | null;
  /** Monotonic ms from handing the write over to this outcome (verification or failure). */
  latencyMs: number;
  /** `written`: the controller acknowledged the write and the plant asked for no read-back (`verify: false`). */
  outcome: 'verified' | 'written' | 'mismatch' | 'exception' | 'timeout' | 'disconnected';
  /** Whether the controller acknowledged the write (its FC5/FC6 echo), whatever came after. */
  acknowledged: boolean;
  /** Requests of this output still unanswered on the connection when this one was issued: it waited behind them. */
  queuedBehind: number;
  detail: string;
}

/** Counts since construction, for the console's health view and the benchmark. */
export interface ModbusTripOutputCounters {
  commands: number;
  verified: number;
  /** Acknowledged writes not read back (`verify: false`). */
  written: number;
  /** `requestTrip` calls refused (thrown) because no connection was up. */
  refused: number;
  failures: { mismatch: number; exception: number; timeout: number; disconnected: number };
  /** Outcome listeners that threw; the trip path carries on regardless. */
  listenerErrors: number;
  link: ModbusLinkCounters;
}

/** Configuration of a `ModbusTripOutput`: the controller's endpoint and each asset's address. */
export interface ModbusTripOutputOptions extends Omit<ModbusLinkOptions, 'name'> {
  /** The actuator name on receipts; 'modbus:<host>:<port>' by default. */
  name?: string;
  /** assetId → where its trip request is written. */
  assets: Record<string, ModbusTripTarget> | ReadonlyMap<string, ModbusTripTarget>;
  /** Wall clock (ms) for receipts and outcomes; Date.now by default. */
  clock?: () => number;
  /** Monotonic clock (ns) for latencies; process.hrtime.bigint by default. */
  monoNs?: () => bigint;
  /**
   * Read each address back after the write (default true), so a controller that acknowledged the
   * frame but not the value is caught. Off for a PLC that clears its command coil itself, where
   * the read-back would report a mismatch for a trip that worked.
   */
  verify?: boolean;
}

type Listener = (o: ModbusTripOutcome) => void;
type Failure = Exclude<ModbusTripOutcome['outcome'], 'verified' | 'written'>;

const U16 = 0xffff;

function checkTarget(assetId: string, t: ModbusTripTarget): ModbusTripTarget {
  const u16 = (x: number) => Number.isInteger(x) && x >= 0 && x <= U16;
  const ok = 'coil' in t ? u16(t.coil) : u16(t.register) && u16(t.value) && t.value !== 0;
  if (!ok) throw new Error(`Modbus target of asset "${assetId}" must be a 16-bit address (and a non-zero 16-bit value for a register), got ${JSON.stringify(t)}`);
  return t;
}

/**
 * An actuator that asks a PLC or safety relay over Modbus TCP to trip an asset. `requestTrip`
 * returns as soon as the write is handed to the socket, so the engine thread never waits on the
 * network; the controller's acknowledgement and a read-back of the same address arrive later as a
 * `ModbusTripOutcome` on `onOutcome`. When no connection is up, `requestTrip` throws: the caller
 * counts and escalates; nothing is queued to go out late or silently dropped. The connection
 * reconnects on its own with exponential back-off.
 *
 * jsmodbus sends one request at a time per connection, so a trip issued while an earlier command
 * is still unanswered goes out right after that answer (see `queuedBehind`); give the heartbeat
 * its own connection so trips never wait behind it.
 */
export class ModbusTripOutput implements Actuator {
  readonly name: string;
  readonly #targets: ReadonlyMap<string, ModbusTripTarget>;
  readonly #link: ModbusLink;
  readonly #clock: () => number;
  readonly #monoNs: () => bigint;
  readonly #listeners = new Set<Listener>();
  readonly #inFlight = new Map<number, number>(); // connection serial → requests unanswered
  readonly #verify: boolean;
  #seq = 0;
  #commands = 0;
  #verified = 0;
  #written = 0;
  #refused = 0;
  #listenerErrors = 0;
  readonly #failures: ModbusTripOutputCounters['failures'] = { mismatch: 0, exception: 0, timeout: 0, disconnected: 0 };

  constructor(o: ModbusTripOutputOptions) {
    this.name = o.name ?? `modbus:${o.host}:${o.port}`;
    const entries = o.assets instanceof Map ? [...o.assets] : Object.entries(o.assets);
    this.#targets = new Map(entries.map(([id, t]) => [id, checkTarget(id, t)]));
    this.#clock = o.clock ?? Date.now;
    this.#monoNs = o.monoNs ?? process.hrtime.bigint;
    this.#verify = o.verify ?? true;
    this.#link = new ModbusLink({ ...o, name: this.name });
  }

  /** Resolves once the first connection is up (start-up, tests); rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    return this.#link.whenConnected(timeoutMs);
  }

  /** Whether a trip requested now would go on the wire (rather than throw). */
  get connected(): boolean {
    return this.#link.current() !== null;
  }

  /**
   * Writes the asset's trip request and returns at once; the outcome follows on `onOutcome`.
   * Throws when the asset has no address or no connection is up, so the caller knows the trip did
   * not leave.
   */
  requestTrip(cmd: TripCommand): TripReceipt {
    const target = this.#targets.get(cmd.assetId);
    if (!target) {
      throw new Error(`${this.name}: no Modbus address configured for asset "${cmd.assetId}" (configured: ${[...this.#targets.keys()].join(', ') || 'none'}); trip NOT sent`);
    }
    const conn = this.#link.current();
    if (!conn) {
      this.#refused++;
      throw new Error(`${this.name}: not connected to the controller (${this.#link.describe()}); trip of asset "${cmd.assetId}" NOT sent`);
    }
    const seq = ++this.#seq;
    this.#commands++;
    const queuedBehind = this.#inFlight.get(conn.serial) ?? 0;
    const startNs = this.#monoNs();
    // jsmodbus writes to the socket synchronously when nothing is in flight on this connection.
    const write = 'coil' in target ? conn.client.writeSingleCoil(target.coil, true) : conn.client.writeSingleRegister(target.register, target.value);
    const commandedAtMs = this.#clock();
    const base = { assetId: cmd.assetId, commandId: cmd.commandId ?? null, seq, commandedAtMs, queuedBehind };
    void this.#confirm(conn, target, write, startNs, base);
    return { actuator: this.name, commandedAtMs };
  }

  /** Calls `listener` with every command's outcome; `dispose()` on the result to stop. */
  onOutcome(listener: Listener): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => void this.#listeners.delete(listener) };
  }

  /** Counters so far (a copy). */
  counters(): ModbusTripOutputCounters {
    return {
      commands: this.#commands,
      verified: this.#verified,
      written: this.#written,
      refused: this.#refused,
      failures: { ...this.#failures },
      listenerErrors: this.#listenerErrors,
      link: this.#link.counters(),
    };
  }

  /** Closes the connection and stops reconnecting; unconfirmed commands end as `disconnected`. */
  dispose(): void {
    this.#link.dispose();
  }

  async #confirm(
    conn: ModbusConnection,
    target: ModbusTripTarget,
    write: Promise<unknown>,
    startNs: bigint,
    base: Pick<ModbusTripOutcome, 'assetId' | 'commandId' | 'seq' | 'commandedAtMs' | 'queuedBehind'>,
  ): Promise<void> {
    const what = 'coil' in target ? `coil ${target.coil}` : `holding register ${target.register}`;
    this.#inFlight.set(conn.serial, (this.#inFlight.get(conn.serial) ?? 0) + 1);
    let acknowledged = false;
    let outcome: ModbusTripOutcome['outcome'];
    let detail: string;
    try {
      await write;
      acknowledged = true;
      if (!this.#verify) [outcome, detail] = ['written', `${what} write acknowledged (no read-back: verify is off)`];
      else if ('coil' in target) {
        const { response } = await conn.client.readCoils(target.coil, 1);
        const on = Boolean(response.body.valuesAsArray[0]);
        [outcome, detail] = on ? ['verified', `${what} reads 1`] : ['mismatch', `${what} was acknowledged but reads 0`];
      } else {
        const { response } = await conn.client.readHoldingRegisters(target.register, 1);
        const v = response.body.valuesAsArray[0];
        [outcome, detail] = v === target.value ? ['verified', `${what} reads ${v}`] : ['mismatch', `${what} was acknowledged with ${target.value} but reads ${v}`];
      }
    } catch (err) {
      [outcome, detail] = this.#classify(err, conn, what, acknowledged);
    } finally {
      const left = (this.#inFlight.get(conn.serial) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(conn.serial, left);
      else this.#inFlight.delete(conn.serial);
    }
    const latencyMs = Number(this.#monoNs() - startNs) / 1e6;
    const verifiedAtMs = outcome === 'verified' ? this.#clock() : null;
    if (outcome === 'verified') this.#verified++;
    else if (outcome === 'written') this.#written++;
    else this.#failures[outcome]++;
    this.#emit({ ...base, verifiedAtMs, latencyMs, outcome, acknowledged, detail });
  }

  #classify(err: unknown, conn: ModbusConnection, what: string, acknowledged: boolean): [Failure, string] {
    const stage = acknowledged ? `read-back of ${what}` : `write of ${what}`;
    const requestError = err instanceof Modbus.UserRequestError ? err : null;
    const message = err instanceof Error || requestError ? (err as { message: string }).message : String(err);
    // A closed connection explains every rejection on it, whatever jsmodbus calls it.
    if (conn.closed) return ['disconnected', `connection closed during the ${stage}: ${message}`];
    if (requestError) {
      if (requestError.err === 'ModbusException') {
        const body = requestError.response?.body as { code?: number; message?: string } | undefined;
        return ['exception', `${body?.message ?? 'exception'} (code ${body?.code ?? '?'}) on the ${stage}`];
      }
      if (requestError.err === 'Timeout') {
        this.#link.drop(`no reply to the ${stage}`);
        return ['timeout', `no reply to the ${stage} within the request timeout; reconnecting`];
      }
      if (requestError.err === 'Offline') return ['disconnected', `not connected at the ${stage}: ${message}`];
      // OutOfSync / Protocol: the stream cannot be trusted any more; start a fresh one.
      this.#link.drop(`${requestError.err} on the ${stage}`);
      return ['disconnected', `${requestError.err} on the ${stage} (${message}); dropped the connection to resynchronise`];
    }
    this.#link.drop(`unexpected error on the ${stage}`);
    return ['disconnected', `unexpected error on the ${stage}: ${message}; dropped the connection`];
  }

  #emit(o: ModbusTripOutcome): void {
    for (const l of this.#listeners) {
      try {
        l(o);
      } catch {
        this.#listenerErrors++;
      }
    }
  }
}
