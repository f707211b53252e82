import Modbus from 'jsmodbus';
import { ModbusLink, type ModbusConnection, type ModbusLinkCounters, type ModbusLinkOptions } from './ModbusLink';
import { decodeModbusRaw, planModbusReads, registerWidth, scaleModbusValue, type ModbusPollRegister, type ModbusReadBlock } from './modbusRegisters';

/** One slow value as read from the device, scaled into its engineering unit. */
export interface ModbusPolledValue {
  assetId: string;
  channelId: string;
  /** Clock ms when the block holding it was answered. */
  atMs: number;
  value: number;
  unit: string;
}

/** Configuration of a `ModbusPoller`: the plant config's modbus source plus where values go. */
export interface ModbusPollerOptions extends Omit<ModbusLinkOptions, 'name'> {
  /** For errors and dashboards; 'modbus-poll:<host>:<port>' by default. */
  name?: string;
  /** Period between poll starts, ms (≥ 10, as the plant config requires). */
  pollMs: number;
  registers: readonly ModbusPollRegister[];
  /** Receives every good value. A throwing sink is counted (`sinkErrors`); polling carries on. */
  sink: (v: ModbusPolledValue) => void;
  /** Clock (ms) for `atMs`, `lastValueAtMs` and `stale`; Date.now by default. */
  clock?: () => number;
  /** Registers per read request, 2..125 (default 125); lower it for devices with a smaller limit. */
  maxRegistersPerRead?: number;
}

/** A channel's freshness: when its last good value arrived (null: none yet). */
export interface ModbusChannelFreshness {
  assetId: string;
  channelId: string;
  lastValueAtMs: number | null;
}

/** What the poller has done so far; for the health view and the tests' bounds. */
export interface ModbusPollerCounters {
  /** Polls run on a live connection. */
  polls: number;
  /** Poll periods that found no connection (values not read; their channels age towards stale). */
  pollsOffline: number;
  /** Polls that took longer than `pollMs`, so the next one started late (polls never overlap). */
  overruns: number;
  /** Values handed to the sink. */
  values: number;
  /** Decoded values that were NaN or ±Infinity (a float32 fault word), not delivered. */
  nonFinite: number;
  /** Block reads the device refused, by exception: '2 ILLEGAL DATA ADDRESS' → count. */
  exceptions: Record<string, number>;
  /** Block reads without a reply in time; each drops the connection, which then reconnects. */
  timeouts: number;
  /** Sink calls that threw. */
  sinkErrors: number;
  /** Connections lost after being established. */
  disconnects: number;
  /** Connect attempts after the first one. */
  reconnectAttempts: number;
  link: ModbusLinkCounters;
}

interface ChannelState extends ModbusChannelFreshness {
  readonly key: string;
}

const channelKey = (assetId: string, channelId: string): string => `${assetId}\u0000${channelId}`;

/**
 * Polls a Modbus TCP device for slow values (speed, temperature, load) and hands each one,
 * decoded and scaled, to `sink`. Modbus has no push: the only sign that a device has gone is that
 * values stop, so the poller keeps per-channel `lastValueAtMs` and answers `stale(nowMs,
 * staleAfterMs)`, letting the engine stop scoring those channels rather than score old numbers or
 * trip on a gap. Bad input is counted, never thrown: a Modbus exception fails only its own block,
 * a NaN float is dropped and counted, and a timeout drops the connection (its stream cannot be
 * trusted) and lets `ModbusLink` reconnect with back-off. Polls never overlap: one that outlasts
 * `pollMs` delays the next and counts as an overrun, so a slow device is not flooded.
 */
export class ModbusPoller {
  readonly name: string;
  readonly #link: ModbusLink;
  readonly #blocks: ModbusReadBlock[];
  readonly #pollMs: number;
  readonly #sink: (v: ModbusPolledValue) => void;
  readonly #clock: () => number;
  readonly #channels = new Map<string, ChannelState>();
  readonly #startedAtMs: number;
  #timer: NodeJS.Timeout | null = null;
  #disposed = false;
  #polling = false;
  readonly #c = { polls: 0, pollsOffline: 0, overruns: 0, values: 0, nonFinite: 0, timeouts: 0, sinkErrors: 0 };
  readonly #exceptions: Record<string, number> = {};

  constructor(o: ModbusPollerOptions) {
    if (!Number.isFinite(o.pollMs) || o.pollMs < 10) throw new Error(`pollMs must be at least 10 ms, got ${o.pollMs}`);
    if (o.registers.length === 0) throw new Error('a Modbus poller needs at least one register');
    for (const r of o.registers) {
      if (r.wordOrder !== undefined && registerWidth(r.format) === 1) throw new Error(`register of ${r.assetId}/${r.channelId}: wordOrder applies to 32-bit formats only, not ${r.format}`);
      if (r.scale === 0 || !Number.isFinite(r.scale ?? 1) || !Number.isFinite(r.offset ?? 0)) throw new Error(`register of ${r.assetId}/${r.channelId}: scale must be finite and non-zero, offset finite`);
      const key = channelKey(r.assetId, r.channelId);
      if (this.#channels.has(key)) throw new Error(`channel ${r.assetId}/${r.channelId} is mapped to more than one register`);
      this.#channels.set(key, { key, assetId: r.assetId, channelId: r.channelId, lastValueAtMs: null });
    }
    this.#blocks = planModbusReads(o.registers, o.maxRegistersPerRead);
    this.name = o.name ?? `modbus-poll:${o.host}:${o.port}`;
    this.#pollMs = o.pollMs;
    this.#sink = o.sink;
    this.#clock = o.clock ?? Date.now;
    this.#startedAtMs = this.#clock();
    this.#link = new ModbusLink({ ...o, name: this.name });
    // The first poll one period in, not at once: the connection is still being set up now.
    this.#schedule(this.#pollMs);
  }

  /** The read requests each poll makes (a copy), for the health view and tests. */
  blocks(): Array<Omit<ModbusReadBlock, 'registers'> & { channels: string[] }> {
    return this.#blocks.map((b) => ({ type: b.type, address: b.address, count: b.count, channels: b.registers.map((r) => `${r.assetId}/${r.channelId}`) }));
  }

  /** Resolves once the first connection is up (start-up, tests); rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    return this.#link.whenConnected(timeoutMs);
  }

  /** Counters so far (a copy). */
  counters(): ModbusPollerCounters {
    const link = this.#link.counters();
    return {
      ...this.#c,
      exceptions: { ...this.#exceptions },
      disconnects: link.disconnects,
      reconnectAttempts: Math.max(0, link.connectAttempts - 1),
      link,
    };
  }

  /** Every channel with the time of its last good value, in configuration order. */
  channels(): ModbusChannelFreshness[] {
    return [...this.#channels.values()].map(({ assetId, channelId, lastValueAtMs }) => ({ assetId, channelId, lastValueAtMs }));
  }

  /**
   * Channels whose last good value is older than `staleAfterMs` at `nowMs` (same clock as
   * `clock`). A channel that never had a value counts from the poller's construction, so start-up
   * gets one `staleAfterMs` of grace instead of every channel being stale before the first poll.
   */
  stale(nowMs: number, staleAfterMs: number): ModbusChannelFreshness[] {
    return this.channels().filter((c) => nowMs - (c.lastValueAtMs ?? this.#startedAtMs) > staleAfterMs);
  }

  /** Stops polling, closes the connection and stops reconnecting. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#link.dispose();
  }

  #schedule(delayMs: number): void {
    if (this.#disposed) return;
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    if (this.#disposed || this.#polling) return;
    const startedMs = performance.now();
    const conn = this.#link.current();
    if (!conn) {
      this.#c.pollsOffline++;
    } else {
      this.#polling = true;
      this.#c.polls++;
      try {
        await this.#poll(conn);
      } finally {
        this.#polling = false;
      }
    }
    const tookMs = performance.now() - startedMs;
    if (tookMs > this.#pollMs) this.#c.overruns++;
    this.#schedule(Math.max(0, this.#pollMs - tookMs));
  }

  /** Reads every block in turn; an exception skips only its block, a lost stream ends the poll. */
  async #poll(conn: ModbusConnection): Promise<void> {
    for (const block of this.#blocks) {
      if (this.#disposed || conn.closed) return;
      let words: ArrayLike<number>;
      try {
        const read = block.type === 'holding' ? conn.client.readHoldingRegisters(block.address, block.count) : conn.client.readInputRegisters(block.address, block.count);
        words = (await read).response.body.valuesAsArray;
      } catch (err) {
        if (this.#failed(err, conn, block) === 'end-poll') return;
        continue;
      }
      this.#deliver(block, words, this.#clock());
    }
  }

  #deliver(block: ModbusReadBlock, words: ArrayLike<number>, atMs: number): void {
    for (const r of block.registers) {
      const value = scaleModbusValue(decodeModbusRaw(words, r.address - block.address, r.format, r.wordOrder), r);
      if (!Number.isFinite(value)) {
        this.#c.nonFinite++;
        continue;
      }
      this.#channels.get(channelKey(r.assetId, r.channelId))!.lastValueAtMs = atMs;
      this.#c.values++;
      try {
        this.#sink({ assetId: r.assetId, channelId: r.channelId, atMs, value, unit: r.unit });
      } catch {
        this.#c.sinkErrors++;
      }
    }
  }

  #failed(err: unknown, conn: ModbusConnection, block: ModbusReadBlock): 'next-block' | 'end-poll' {
    // A closed connection explains every rejection on it; the link counts the disconnect.
    if (conn.closed) return 'end-poll';
    const e = err instanceof Modbus.UserRequestError ? err : null;
    if (e?.err === 'ModbusException') {
      const body = e.response?.body as { code?: number; message?: string } | undefined;
      const key = `${body?.code ?? '?'} ${body?.message ?? 'UNKNOWN EXCEPTION'}`;
      this.#exceptions[key] = (this.#exceptions[key] ?? 0) + 1;
      return 'next-block';
    }
    if (e?.err === 'Timeout') {
      this.#c.timeouts++;
      this.#link.drop(`no reply to the read of ${block.count} ${block.type} registers at ${block.address}`);
      return 'end-poll';
    }
    // Offline, OutOfSync, Protocol or anything unexpected: the stream cannot be trusted.
    this.#link.drop(`${e?.err ?? 'unexpected error'} on the read of ${block.type} registers at ${block.address}: ${err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err)}`);
    return 'end-poll';
  }
}
