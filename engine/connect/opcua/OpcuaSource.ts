import type { ClientMonitoredItem, ClientSession, ClientSubscription, DataValue } from 'node-opcua';
import type { OpcuaSource as OpcuaSourceConfig } from '../../config/plant/plantSourceSchemas';
import type { SourceSink } from '../mqtt/MqttSource';
import { decodeOpcuaValue, decodeOpcuaWaveform, OPCUA_SOURCE_REJECTS, type OpcuaDecoded, type OpcuaSourceReject, type OpcuaWaveformShape } from './decodeOpcuaSample';
import { OpcuaChannelTable, opcuaChannelKey, type OpcuaChannelHealth } from './OpcuaChannelTable';
import { OpcuaLink, type OpcuaLinkCounters, type OpcuaLinkOptions } from './OpcuaLink';
import type { NodeOpcua } from './nodeOpcua';
import { checkOpcuaNodeIds, resolveOpcuaNodeId } from './resolveOpcuaNodeId';

type PlantNode = OpcuaSourceConfig['nodes'][number];

/** A slow-value node, as the plant config gives it. */
export type OpcuaValueNode = Extract<PlantNode, { kind: 'value' }>;
/** A waveform node, as the plant config gives it, with the optional block shape checks of `OpcuaWaveformShape`. */
export type OpcuaWaveformNode = Extract<PlantNode, { kind: 'waveform' }> & Omit<OpcuaWaveformShape, 'sampleRateHz'>;
/** One subscribed node. */
export type OpcuaSourceNode = OpcuaValueNode | OpcuaWaveformNode;

/** Configuration of an `OpcuaSource`: the plant config's opcua source (id and kind are accepted) plus where data goes. */
export interface OpcuaSourceOptions extends OpcuaLinkOptions {
  /** The plant file's source id, for logs; 'opcua:<endpoint>' by default. */
  id?: string;
  kind?: 'opcua';
  nodes: readonly OpcuaSourceNode[];
  sink: SourceSink;
  /** Clock (ms) for freshness and for values that come without any timestamp; Date.now by default. */
  clock?: () => number;
  /** How often the server sends what changed (default 100 ms; node-opcua servers allow 50 ms at the fastest). */
  publishingIntervalMs?: number;
  /**
   * Publishing intervals without a change after which the server sends an empty keep-alive
   * (default 10: 1 s at 100 ms). Keep the engine's `staleAfterMs` above publishingIntervalMs ×
   * keepAliveCount, or an unchanged value goes stale between two keep-alives.
   */
  keepAliveCount?: number;
}

/** What the source has seen. `received` = `values` + `frames` + Σ `rejected` + Σ `badStatus`. */
export interface OpcuaSourceCounters {
  /** The session and its subscription are up now. */
  connected: boolean;
  /** Data-change notifications received, whatever became of them. */
  received: number;
  values: number;
  frames: number;
  /** Of `values` + `frames`, those delivered with an Uncertain status (see `OpcuaSource`). */
  uncertain: number;
  rejected: Record<OpcuaSourceReject, number>;
  /** Notifications with a Bad status, not delivered, by status name: `{ BadSensorFailure: 3 }`. */
  badStatus: Record<string, number>;
  /** Notifications flagged with the Overflow bit: the server's queue dropped older values before them. */
  overflows: number;
  /** Delivered values and frames that carried no source timestamp and were stamped by the server's or our clock. */
  stampedBy: { server: number; clock: number };
  /** Waveform blocks that began later than the previous block of their channel ended: data lost between the device and us. */
  gaps: number;
  /** The time those gaps span, ms. */
  gapMs: number;
  /** Monitored items the server refused, by status name (`{ BadNodeIdUnknown: 1 }`), counted per attempt. */
  monitorFailures: Record<string, number>;
  /** Publish responses with nothing new (the server is there and nothing changed). */
  keepAlives: number;
  /** Subscriptions the server ended on a live session (lifetime expired) and the source made again. */
  resubscribes: number;
  lastMessageAtMs: number | null;
  link: OpcuaLinkCounters;
}

interface Channel {
  readonly key: string;
  readonly node: OpcuaSourceNode;
  item: ClientMonitoredItem | null;
  /** Frame channels: where the next block should start, ms, if none was lost. */
  nextStartMs: number | null;
}

/** Longest monitored-item queue requested: enough for a block every 10 ms at a 1 s publishing interval. */
const MAX_QUEUE = 100;

/**
 * Sensor data from an OPC UA server: one session, one subscription, one monitored item per
 * configured node. Value nodes become `sink.value` (speed, temperature), waveform nodes (Float or
 * Double arrays) become `sink.frame`, stamped with the source timestamp (else the server's, else
 * `clock`). Every notification is accounted for: delivered, or counted under why not.
 *
 * Quality. A Good notification is delivered. An Uncertain one (last usable value, sensor not
 * accurate, substituted) is delivered too and counted in `uncertain`, with the channel's
 * `lastSeverity` saying so: the sink's value and frame carry no quality field, so ingest cannot
 * tell it apart today; it should trend and display such data but not let it alone decide a trip,
 * and once the contract carries quality, this is where to set it. A Bad notification is never
 * delivered: it is counted by status name and faults the channel, which `stale()` then reports
 * at once. A value the source cannot use (wrong type, wrong block length, NaN or Infinity) is
 * refused and counted, and faults the channel until good data comes again.
 *
 * Nodes. A node id the server does not know (BadNodeIdUnknown), or that is malformed, faults only
 * its own channel (`not_monitored`, counted in `monitorFailures`, logged); the other nodes keep
 * working, and the node is tried again on the next reconnection.
 *
 * Outages. node-opcua reconnects with a doubling delay bounded by `reconnect.maxDelayMs`, for
 * ever; every channel is `disconnected` (stale) from the moment the connection drops until the
 * server answers again, and the session and subscription are repaired or recreated without
 * losing the configuration. A subscription the server ends on a live session (its lifetime ran
 * out) is made again at once (`resubscribes`). Waveform items ask for a notification on every new timestamp, so two
 * identical blocks are two frames; value items report changes only, and the subscription's
 * keep-alives confirm that an unchanged value still holds (see `OpcuaChannelHealth.confirmedAtMs`).
 */
export class OpcuaSource {
  readonly name: string;
  readonly #o: OpcuaSourceOptions;
  readonly #clock: () => number;
  readonly #channels: Channel[];
  readonly #table: OpcuaChannelTable;
  readonly #link: OpcuaLink;
  readonly #publishingIntervalMs: number;
  readonly #keepAliveCount: number;
  #subscription: ClientSubscription | null = null;
  /** The server's namespace array, read once per session, for `nsu=` node ids. */
  #namespaces: readonly string[] = [];
  #disposed = false;
  readonly #c = { received: 0, values: 0, frames: 0, uncertain: 0, overflows: 0, gaps: 0, gapMs: 0, keepAlives: 0, resubscribes: 0, lastMessageAtMs: null as number | null };
  readonly #rejected = Object.fromEntries(OPCUA_SOURCE_REJECTS.map((r) => [r, 0])) as Record<OpcuaSourceReject, number>;
  readonly #badStatus: Record<string, number> = {};
  readonly #monitorFailures: Record<string, number> = {};
  readonly #stampedBy = { server: 0, clock: 0 };

  /** Starts connecting and returns at once: a server that is down at start leaves the channels stale until it is up. */
  constructor(o: OpcuaSourceOptions) {
    if (o.nodes.length === 0) throw new Error('an OPC UA source needs at least one node');
    checkOpcuaNodeIds(`OPC UA source ${o.id ?? o.endpointUrl}`, o.nodes.map((n) => n.nodeId));
    for (const n of o.nodes) {
      if (!(n.samplingIntervalMs >= 0)) throw new Error(`node ${n.nodeId}: samplingIntervalMs must be 0 or more, got ${n.samplingIntervalMs}`);
      if (n.kind === 'waveform' && !(n.sampleRateHz > 0 && Number.isFinite(n.sampleRateHz))) throw new Error(`node ${n.nodeId}: sampleRateHz must be positive, got ${n.sampleRateHz}`);
      if (n.kind === 'waveform' && n.samplesPerFrame !== undefined && !(Number.isInteger(n.samplesPerFrame) && n.samplesPerFrame > 0)) throw new Error(`node ${n.nodeId}: samplesPerFrame must be a positive integer, got ${n.samplesPerFrame}`);
    }
    this.#o = o;
    this.name = o.id ?? `opcua:${o.endpointUrl}`;
    this.#clock = o.clock ?? Date.now;
    this.#publishingIntervalMs = o.publishingIntervalMs ?? 100;
    this.#keepAliveCount = o.keepAliveCount ?? 10;
    this.#table = new OpcuaChannelTable(o.nodes, this.#clock());
    this.#channels = o.nodes.map((node) => ({ key: opcuaChannelKey(node.assetId, node.channelId), node, item: null, nextStartMs: null }));
    this.#link = new OpcuaLink(o, {
      onSession: (session, opcua) => this.#subscribe(session, opcua),
      onUp: (session, opcua) => this.#recheck(session, opcua),
      onDown: (reason) => this.#table.disconnected(this.#clock(), reason),
    });
  }

  /** Resolves once the subscription is up (start-up, tests); rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    return this.#link.whenConnected(timeoutMs);
  }

  /** Whether the session and its subscription are up now. */
  get connected(): boolean {
    return this.#link.session() !== null;
  }

  /** Counters so far (a copy). */
  counters(): OpcuaSourceCounters {
    return {
      connected: this.connected,
      ...this.#c,
      rejected: { ...this.#rejected },
      badStatus: { ...this.#badStatus },
      stampedBy: { ...this.#stampedBy },
      monitorFailures: { ...this.#monitorFailures },
      link: this.#link.counters(),
    };
  }

  /** Every channel with its freshness, status and fault, in configuration order. */
  channels(): OpcuaChannelHealth[] {
    return this.#table.channels();
  }

  /** Channels not to score at `nowMs` (same clock as `clock`): faulted, or no current data for `staleAfterMs`. */
  stale(nowMs: number, staleAfterMs: number): OpcuaChannelHealth[] {
    return this.#table.stale(nowMs, staleAfterMs);
  }

  /** Closes the session and the connection; nothing is delivered once it is called. Idempotent. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#link.dispose();
  }

  async #subscribe(session: ClientSession, opcua: NodeOpcua): Promise<void> {
    this.#namespaces = await session.readNamespaceArray();
    const lifetimeMs = Math.max(this.#o.sessionTimeoutMs ?? 60_000, 3 * this.#keepAliveCount * this.#publishingIntervalMs);
    const sub = await session.createSubscription2({
      requestedPublishingInterval: this.#publishingIntervalMs,
      requestedMaxKeepAliveCount: this.#keepAliveCount,
      // The subscription outlives an outage as long as the session does, so it can be transferred intact.
      requestedLifetimeCount: Math.ceil(lifetimeMs / this.#publishingIntervalMs),
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.#subscription = sub;
    sub.on('raw_notification', (m) => {
      if (this.#disposed) return;
      this.#table.alive(this.#clock());
      if ((m.notificationData?.length ?? 0) === 0) this.#c.keepAlives++;
    });
    sub.on('status_changed', (status) => this.#o.log?.(`${this.name}: subscription status ${String(status)}`));
    sub.on('terminated', () => this.#lostSubscription(sub));
    for (const ch of this.#channels) ch.item = null;
    await Promise.all(this.#channels.map((ch) => this.#monitor(sub, ch, opcua)));
  }

  /**
   * The server ended the subscription on a live session (its lifetime ran out: no publish request
   * reached it for that long, e.g. this process was stalled). Node-opcua does not make a new one,
   * so the source does, at once; the channels are faulted until it answers.
   */
  #lostSubscription(sub: ClientSubscription): void {
    const session = this.#link.session();
    const opcua = this.#link.opcua();
    // On dispose, or a session being replaced, the link sets up the next subscription itself.
    if (this.#disposed || this.#subscription !== sub || !session || !opcua) return;
    this.#subscription = null;
    this.#c.resubscribes++;
    this.#table.disconnected(this.#clock(), 'the server ended the subscription; subscribing again');
    this.#o.log?.(`${this.name}: the server ended the subscription; subscribing again`);
    this.#subscribe(session, opcua).catch((err: unknown) => this.#o.log?.(`${this.name}: subscribing again failed: ${err instanceof Error ? err.message : String(err)}; the channels stay faulted until the next reconnection`));
  }

  /** After a reconnection: items node-opcua recreated are re-checked, items never created are tried again. */
  async #recheck(session: ClientSession, opcua: NodeOpcua): Promise<void> {
    const sub = this.#subscription;
    if (!sub || this.#disposed) return;
    // The server may have restarted and renumbered its namespaces.
    if (this.#channels.some((ch) => !ch.item)) this.#namespaces = await session.readNamespaceArray();
    await Promise.all(
      this.#channels.map((ch) => {
        if (!ch.item) return this.#monitor(sub, ch, opcua);
        // node-opcua recreated this item on the new session; it keeps it (and retries it at the next reconnection) whatever the server said.
        const status = ch.item.statusCode;
        if (status.isGood()) this.#table.monitored(ch.key, ch.item.monitoringParameters.samplingInterval);
        else this.#refused(ch, status.name.split('#')[0]!, `${ch.node.nodeId} (${ch.node.assetId}/${ch.node.channelId}): the server refused to monitor it again after the reconnection (${status.name})`, true);
        return undefined;
      }),
    );
  }

  async #monitor(sub: ClientSubscription, ch: Channel, opcua: NodeOpcua): Promise<void> {
    const n = ch.node;
    const resolved = resolveOpcuaNodeId(n.nodeId, this.#namespaces, opcua);
    if (!resolved.ok) return this.#refused(ch, resolved.status, `${n.nodeId} (${n.assetId}/${n.channelId}): ${resolved.detail} (${resolved.status})`);
    const nodeId = resolved.nodeId;
    const queueSize = Math.min(MAX_QUEUE, Math.max(2, Math.ceil(this.#publishingIntervalMs / Math.max(n.samplingIntervalMs, 1)) + 1));
    const item = opcua.ClientMonitoredItem.create(
      sub,
      { nodeId, attributeId: opcua.AttributeIds.Value },
      {
        samplingInterval: n.samplingIntervalMs,
        queueSize,
        discardOldest: true,
        ...(n.kind === 'waveform' ? { filter: new opcua.DataChangeFilter({ trigger: opcua.DataChangeTrigger.StatusValueTimestamp }) } : {}),
      },
      opcua.TimestampsToReturn.Both,
    );
    item.on('changed', (dv: DataValue) => this.#onData(ch, dv));
    const error = await new Promise<string | null>((resolve) => {
      item.once('initialized', () => resolve(null));
      item.once('err', (m: string) => resolve(m));
    });
    if (error === null) {
      ch.item = item;
      const grantedMs = item.monitoringParameters.samplingInterval;
      this.#table.monitored(ch.key, grantedMs);
      const blockMs = n.kind === 'waveform' && n.samplesPerFrame !== undefined ? (n.samplesPerFrame * 1000) / n.sampleRateHz : null;
      if (blockMs !== null && grantedMs > blockMs) {
        this.#o.log?.(`${this.name}: ${n.nodeId} (${n.assetId}/${n.channelId}): the server samples it every ${grantedMs} ms but a block lasts ${blockMs} ms: blocks will be lost (counted as gaps); ask for sampling interval 0`);
      }
      return;
    }
    const status = item.statusCode.isBad() && item.statusCode.name !== 'BadDataUnavailable' ? item.statusCode.name.split('#')[0]! : 'BadRequestFailed';
    const why = status === 'BadNodeIdUnknown' ? 'the server has no such node' : status === 'BadRequestFailed' ? `creating the monitored item failed: ${error}` : `the server refused to monitor it`;
    this.#refused(ch, status, `${n.nodeId} (${n.assetId}/${n.channelId}): ${why} (${status})`);
  }

  /** The server refused `ch`'s item; `keepItem` when node-opcua still holds it (and will retry it), so a second one is not made. */
  #refused(ch: Channel, status: string, detail: string, keepItem = false): void {
    if (!keepItem) ch.item = null;
    this.#monitorFailures[status] = (this.#monitorFailures[status] ?? 0) + 1;
    this.#table.refused(ch.key, status, detail, this.#clock());
    this.#o.log?.(`${this.name}: ${detail}; its channel stays faulted, the other nodes carry on`);
  }

  #onData(ch: Channel, dv: DataValue): void {
    if (this.#disposed) return;
    const nowMs = this.#clock();
    this.#c.received++;
    this.#c.lastMessageAtMs = nowMs;
    const n = ch.node;
    const d: OpcuaDecoded<number | Float32Array> = n.kind === 'value' ? decodeOpcuaValue(dv, nowMs) : decodeOpcuaWaveform(dv, nowMs, n);
    if (d.status.overflow) this.#c.overflows++;
    if (!d.ok) {
      if (d.problem === 'bad_status') this.#badStatus[d.status.name] = (this.#badStatus[d.status.name] ?? 0) + 1;
      else this.#rejected[d.problem]++;
      const code = d.problem === 'bad_status' ? d.status.name : d.problem;
      this.#table.failed(ch.key, d.problem === 'bad_status' ? 'bad_status' : 'rejected', code, d.status.name, d.status.severity, d.detail, nowMs);
      return;
    }
    if (typeof d.data !== 'number' && n.kind === 'waveform') this.#followBlocks(ch, d.atMs, (d.data.length * 1000) / n.sampleRateHz);
    try {
      if (typeof d.data === 'number') this.#o.sink.value({ assetId: n.assetId, channelId: n.channelId, atMs: d.atMs, value: d.data });
      else if (n.kind === 'waveform') this.#o.sink.frame({ assetId: n.assetId, channelId: n.channelId, startMs: d.atMs, sampleRateHz: n.sampleRateHz, samples: d.data });
    } catch (err) {
      // A sink that throws is a bug downstream; the notification is counted and the source goes on.
      this.#rejected.sink_error++;
      this.#o.log?.(`${this.name}: delivering ${n.nodeId} failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (typeof d.data === 'number') this.#c.values++;
    else this.#c.frames++;
    if (d.status.severity === 'uncertain') this.#c.uncertain++;
    if (d.stampedBy !== 'source') this.#stampedBy[d.stampedBy]++;
    this.#table.delivered(ch.key, d.status.name, d.status.severity, nowMs);
  }

  /**
   * Counts a gap when a block starts later than the previous one ended. The tolerance (a sample
   * plus 1 ms) absorbs source timestamps kept to the millisecond; an overlap or a step back is
   * left to ingest, which refuses frames that go back in time.
   */
  #followBlocks(ch: Channel, startMs: number, durationMs: number): void {
    if (ch.node.kind !== 'waveform') return;
    const lateMs = ch.nextStartMs === null ? 0 : startMs - ch.nextStartMs;
    if (lateMs > 1 + 1000 / ch.node.sampleRateHz) {
      this.#c.gaps++;
      this.#c.gapMs += lateMs;
      this.#table.gap(ch.key);
    }
    ch.nextStartMs = startMs + durationMs;
  }
}
