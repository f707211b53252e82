import type { OpcuaSeverity } from './opcuaStatus';

/** What an OPC UA node carries: a slow value (speed, temperature) or a waveform block. */
export type OpcuaNodeKind = 'value' | 'waveform';

/**
 * Why a channel delivers nothing usable now:
 *
 * - `not_monitored`: the server refused its monitored item (`BadNodeIdUnknown`: no such node;
 *   `BadAttributeIdInvalid`: not a variable, ...). Retried at the next (re)connection;
 * - `bad_status`: its last notification was Bad (`BadSensorFailure`, `BadCommunicationError`);
 * - `rejected`: its last notification was refused (NaN, wrong length, not numeric);
 * - `disconnected`: the connection to the server is down (cleared by the first publish response after it is back).
 */
export interface OpcuaChannelFault {
  kind: 'not_monitored' | 'bad_status' | 'rejected' | 'disconnected';
  /** The status name or reject reason ('BadNodeIdUnknown', 'non_finite'); 'disconnected' for a lost connection. */
  code: string;
  /** Clock ms when the fault began. */
  sinceMs: number;
  detail: string;
}

/** One channel's freshness and quality as the OPC UA source sees it. */
export interface OpcuaChannelHealth {
  assetId: string;
  channelId: string;
  /** The node id as configured. */
  nodeId: string;
  kind: OpcuaNodeKind;
  /** Clock ms when its last value or frame was delivered; null: none yet. */
  lastValueAtMs: number | null;
  /**
   * Clock ms up to which its data is known to be current. For a frame channel, the last frame:
   * frames must keep coming. For a value channel, also every publish response of the subscription
   * since: OPC UA reports a value only when it changes, so a server that answers and reports no
   * change confirms that the last value still holds.
   */
  confirmedAtMs: number | null;
  /** Name of the last notification's status ('Good', 'UncertainLastUsableValue', 'BadSensorFailure'); null: none yet. */
  lastStatus: string | null;
  lastSeverity: OpcuaSeverity | null;
  fault: OpcuaChannelFault | null;
  /** The sampling interval the server granted, ms (it may revise the configured one up); null until monitored. */
  samplingIntervalMs: number | null;
  /** Frame channels: blocks that began later than the previous one ended (data lost on the way). */
  gaps: number;
}

interface Row {
  readonly assetId: string;
  readonly channelId: string;
  readonly nodeId: string;
  readonly kind: OpcuaNodeKind;
  lastValueAtMs: number | null;
  lastStatus: string | null;
  lastSeverity: OpcuaSeverity | null;
  fault: OpcuaChannelFault | null;
  samplingIntervalMs: number | null;
  gaps: number;
  /** The fault a disconnection covered up, back in force when the connection is: a Bad sensor is still Bad. */
  held: OpcuaChannelFault | null;
}

/** The key of a channel in the table. */
export const opcuaChannelKey = (assetId: string, channelId: string): string => `${assetId}\u0000${channelId}`;

/**
 * The OPC UA source's per-channel freshness view, the counterpart of `ModbusPoller.channels()` /
 * `stale()`, so the engine can stop scoring a channel whose data is old, faulted or gone, rather
 * than score stale numbers or trip on a gap. Kept apart from the source because it is pure
 * bookkeeping on an injected clock, tested without a server.
 */
export class OpcuaChannelTable {
  readonly #rows = new Map<string, Row>();
  readonly #startedAtMs: number;
  /** Clock ms of the last publish response (keep-alive or data) of the subscription. */
  #aliveAtMs: number | null = null;

  constructor(channels: ReadonlyArray<{ assetId: string; channelId: string; nodeId: string; kind: OpcuaNodeKind }>, startedAtMs: number) {
    for (const c of channels) {
      const key = opcuaChannelKey(c.assetId, c.channelId);
      if (this.#rows.has(key)) throw new Error(`channel ${c.assetId}/${c.channelId} is mapped to more than one OPC UA node`);
      this.#rows.set(key, { assetId: c.assetId, channelId: c.channelId, nodeId: c.nodeId, kind: c.kind, lastValueAtMs: null, lastStatus: null, lastSeverity: null, fault: null, samplingIntervalMs: null, gaps: 0, held: null });
    }
    this.#startedAtMs = startedAtMs;
  }

  /** A value or frame of the channel was delivered: it is current and not faulted. */
  delivered(key: string, status: string, severity: OpcuaSeverity, nowMs: number): void {
    const r = this.#row(key);
    r.lastValueAtMs = nowMs;
    r.lastStatus = status;
    r.lastSeverity = severity;
    r.fault = null;
    r.held = null;
  }

  /** A notification of the channel was Bad or refused: its last value no longer holds. */
  failed(key: string, kind: 'bad_status' | 'rejected', code: string, status: string, severity: OpcuaSeverity, detail: string, nowMs: number): void {
    const r = this.#row(key);
    r.lastStatus = status;
    r.lastSeverity = severity;
    // A repeat of the same fault keeps the time it began; the detail is the latest.
    r.fault = r.fault?.kind === kind && r.fault.code === code ? { ...r.fault, detail } : { kind, code, sinceMs: nowMs, detail };
  }

  /** The server accepted the channel's monitored item with this sampling interval (or accepted it again). */
  monitored(key: string, samplingIntervalMs: number): void {
    const r = this.#row(key);
    r.samplingIntervalMs = samplingIntervalMs;
    if (r.fault?.kind === 'not_monitored') r.fault = null;
  }

  /** The server refused the channel's monitored item: nothing will come until it is created. */
  refused(key: string, status: string, detail: string, nowMs: number): void {
    const r = this.#row(key);
    r.samplingIntervalMs = null;
    r.held = null;
    r.fault = { kind: 'not_monitored', code: status, sinceMs: nowMs, detail };
  }

  /** A frame of the channel began later than the previous one ended. */
  gap(key: string): void {
    this.#row(key).gaps++;
  }

  /** The connection is down: every channel is faulted until the server answers again. */
  disconnected(nowMs: number, detail: string): void {
    for (const r of this.#rows.values()) {
      if (r.fault?.kind === 'not_monitored' || r.fault?.kind === 'disconnected') continue;
      r.held = r.fault;
      r.fault = { kind: 'disconnected', code: 'disconnected', sinceMs: nowMs, detail };
    }
  }

  /**
   * A publish response arrived: the server has told us every change up to now. Lifts the
   * `disconnected` faults (the subscription is live again; values that changed meanwhile come in
   * this response or the next), putting back any fault they covered, and confirms the unchanged
   * value channels.
   */
  alive(nowMs: number): void {
    this.#aliveAtMs = nowMs;
    for (const r of this.#rows.values()) {
      if (r.fault?.kind !== 'disconnected') continue;
      r.fault = r.held;
      r.held = null;
    }
  }

  /** Every channel, in configuration order. */
  channels(): OpcuaChannelHealth[] {
    return [...this.#rows.values()].map((r) => ({
      assetId: r.assetId,
      channelId: r.channelId,
      nodeId: r.nodeId,
      kind: r.kind,
      lastValueAtMs: r.lastValueAtMs,
      confirmedAtMs: this.#confirmedAtMs(r),
      lastStatus: r.lastStatus,
      lastSeverity: r.lastSeverity,
      fault: r.fault ? { ...r.fault } : null,
      samplingIntervalMs: r.samplingIntervalMs,
      gaps: r.gaps,
    }));
  }

  /**
   * Channels that must not be scored at `nowMs`: faulted ones at once, the others once their
   * data is older than `staleAfterMs`. A channel that never had data counts from the table's
   * creation, so start-up gets one `staleAfterMs` of grace, as `ModbusPoller.stale` does.
   */
  stale(nowMs: number, staleAfterMs: number): OpcuaChannelHealth[] {
    return this.channels().filter((c) => c.fault !== null || nowMs - (c.confirmedAtMs ?? this.#startedAtMs) > staleAfterMs);
  }

  #confirmedAtMs(r: Row): number | null {
    if (r.lastValueAtMs === null) return null;
    if (r.kind === 'waveform' || r.fault !== null || this.#aliveAtMs === null) return r.lastValueAtMs;
    return Math.max(r.lastValueAtMs, this.#aliveAtMs);
  }

  #row(key: string): Row {
    const r = this.#rows.get(key);
    if (!r) throw new Error(`no OPC UA channel ${key.replace('\u0000', '/')}`);
    return r;
  }
}
