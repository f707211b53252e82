import type { MqttClient } from 'mqtt';
import type { SourceSink } from '../mqtt/MqttSource';
import { connectSourceClient } from '../mqtt/sourceClient';
import { decodeSparkplug, encodeRebirthRequest, longToNumber, metricFloatArray, metricNumber, type SparkplugMessage, type SparkplugMetric } from './sparkplugCodec';
import { ncmdTopic, parseSparkplugTopic, sparkplugFilters, type SparkplugTopic } from './sparkplugTopics';

/** Why a whole Sparkplug message was refused; each is counted, none stops the source. */
export const SPARKPLUG_MESSAGE_REJECTS = ['unknown_topic', 'malformed_payload', 'before_birth', 'sequence_break', 'awaiting_rebirth', 'stale_death', 'bad_birth'] as const;
/** One message-level rejection reason. */
export type SparkplugMessageReject = (typeof SPARKPLUG_MESSAGE_REJECTS)[number];

/** Why one metric of an accepted data message was refused. */
export const SPARKPLUG_METRIC_REJECTS = ['unknown_alias', 'unknown_metric', 'unexpected_type', 'sink_error'] as const;
/** One metric-level rejection reason. */
export type SparkplugMetricReject = (typeof SPARKPLUG_METRIC_REJECTS)[number];

/**
 * One Sparkplug metric mapped to a Vigil channel. Without `sampleRateHz` the metric is a numeric
 * scalar (Int*, UInt*, Float, Double) and becomes a slow value; with it the metric is a waveform
 * (Bytes or FloatArray of little-endian float32, see `metricFloatArray`) and becomes a frame.
 */
export interface SparkplugChannelMapping {
  edgeNode: string;
  /** Absent for a metric of the edge node itself (NBIRTH/NDATA). */
  device?: string;
  /** The metric name as given in the birth certificate. */
  metric: string;
  assetId: string;
  channelId: string;
  sampleRateHz?: number;
}

/** A mapped channel that must not be trusted: its node or device died, or its sequence broke. */
export interface StaleChannel {
  assetId: string;
  channelId: string;
  edgeNode: string;
  device?: string;
  reason: 'death' | 'sequence_break';
  sinceMs: number;
}

/**
 * What the source has seen. Messages: `received` = `births` + `deaths` + `dataMessages` + the sum
 * of `rejected`. Metrics of accepted data messages: `metrics` = `values` + `frames` + `unmapped` +
 * the sum of `metricRejected`.
 */
export interface SparkplugSourceCounters {
  connected: boolean;
  received: number;
  births: number;
  deaths: number;
  dataMessages: number;
  rejected: Record<SparkplugMessageReject, number>;
  metrics: number;
  values: number;
  frames: number;
  unmapped: number;
  metricRejected: Record<SparkplugMetricReject, number>;
  /** NCMD `Node Control/Rebirth` published, and those withheld by the per-node rate limit. */
  rebirthRequests: number;
  rebirthSuppressed: number;
  connects: number;
  disconnects: number;
  /** Reconnection attempts while the broker was away (each after a longer wait). */
  reconnectAttempts: number;
  lastMessageAtMs: number | null;
}

/** Where to listen (one group, one or all edge nodes) and which metrics feed which Vigil channels. */
export interface SparkplugSourceOptions {
  url: string;
  groupId: string;
  /** Only this edge node; all edge nodes of the group if absent. */
  edgeNode?: string;
  mappings: readonly SparkplugChannelMapping[];
  sink: SourceSink;
  protocolVersion?: 4 | 5;
  clientId?: string;
  username?: string;
  password?: string;
  /** At most one rebirth request per edge node within this interval (default 5000 ms). */
  rebirthMinIntervalMs?: number;
  clock?: () => number;
  /** First reconnect delay (default 250 ms), doubled per failed attempt up to `maxReconnectMs` (default 10 s). */
  reconnectMs?: number;
  maxReconnectMs?: number;
  log?: (line: string) => void;
}

interface MetricDef {
  name: string;
  datatype: number;
}
interface Scope {
  byAlias: Map<number, MetricDef>;
  byName: Map<string, MetricDef>;
}
interface NodeSession {
  /** A valid NBIRTH was seen and nothing broke since. */
  born: boolean;
  everBorn: boolean;
  bdSeq: number | null;
  lastSeq: number;
  node: Scope;
  devices: Map<string, Scope>;
  lastRebirthAtMs: number | null;
}

const newScope = (): Scope => ({ byAlias: new Map(), byName: new Map() });
const key = (edgeNode: string, device?: string, metric = ''): string => `${edgeNode}\u0000${device ?? ''}\u0000${metric}`;

/**
 * Sensor data from Sparkplug B edge nodes. Births teach the source each node's and device's metric
 * names, aliases and datatypes, so alias-only data messages can be resolved; deaths (including the
 * edge node's MQTT Last Will) make the node's channels stale until the next birth, so nothing old
 * is scored. Sequence numbers (0–255, wrapping, per edge node across all its devices) are checked:
 * any break means the source's picture of the node may be wrong, so it ignores that node's data and
 * asks for a rebirth (NCMD `Node Control/Rebirth`), at most once per `rebirthMinIntervalMs` so a
 * confused node is not flooded. Every message and every metric is delivered or counted under a reason.
 */
export class SparkplugSource {
  readonly #client: MqttClient;
  readonly #o: SparkplugSourceOptions;
  readonly #c: Omit<SparkplugSourceCounters, 'connected'> & { connected: boolean };
  readonly #sessions = new Map<string, NodeSession>();
  readonly #mappings = new Map<string, SparkplugChannelMapping>();
  /** Stale scopes by `key(edgeNode, device)`; a node's own key covers all its devices. */
  readonly #stale = new Map<string, { reason: StaleChannel['reason']; sinceMs: number }>();

  private constructor(o: SparkplugSourceOptions) {
    this.#o = o;
    for (const m of o.mappings) this.#mappings.set(key(m.edgeNode, m.device, m.metric), m);
    this.#c = {
      connected: false, received: 0, births: 0, deaths: 0, dataMessages: 0, metrics: 0, values: 0, frames: 0, unmapped: 0,
      rejected: Object.fromEntries(SPARKPLUG_MESSAGE_REJECTS.map((r) => [r, 0])) as Record<SparkplugMessageReject, number>,
      metricRejected: Object.fromEntries(SPARKPLUG_METRIC_REJECTS.map((r) => [r, 0])) as Record<SparkplugMetricReject, number>,
      rebirthRequests: 0, rebirthSuppressed: 0, connects: 0, disconnects: 0, reconnectAttempts: 0, lastMessageAtMs: null,
    };
    this.#client = connectSourceClient(
      {
        ...o,
        clientId: o.clientId ?? `vigil-sparkplug-${Math.random().toString(16).slice(2, 10)}`,
        filters: sparkplugFilters(o.groupId, o.edgeNode),
        label: `sparkplug source (group ${o.groupId})`,
      },
      this.#c,
    );
    this.#client.on('message', (topic, payload) => this.#onMessage(topic, payload));
  }

  /**
   * Starts connecting and returns at once (a plant whose broker is down at start runs, its channels
   * stale); the source subscribes on every connection and keeps reconnecting with its back-off.
   */
  static start(o: SparkplugSourceOptions): SparkplugSource {
    return new SparkplugSource(o);
  }

  /** Connects, subscribes, and resolves once the subscription is acknowledged; rejects after `timeoutMs`. */
  static connect(o: SparkplugSourceOptions, timeoutMs = 10_000): Promise<SparkplugSource> {
    const s = new SparkplugSource(o);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void s.dispose();
        reject(new Error(`sparkplug source: no connection to ${o.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.#client.once('connect', () => {
        // A second SUBSCRIBE to the same filters is idempotent; its callback tells us the first one is in place.
        s.#client.subscribe(sparkplugFilters(o.groupId, o.edgeNode), { qos: 0 }, () => {
          clearTimeout(timer);
          resolve(s);
        });
      });
    });
  }

  /** A snapshot of the counters (copies: safe to keep), for the engine's status and the tests. */
  counters(): SparkplugSourceCounters {
    return { ...this.#c, rejected: { ...this.#c.rejected }, metricRejected: { ...this.#c.metricRejected } };
  }

  /** Mapped channels whose data cannot be trusted now, in mapping order. */
  stale(): StaleChannel[] {
    const out: StaleChannel[] = [];
    for (const m of this.#o.mappings) {
      const s = this.#stale.get(key(m.edgeNode)) ?? (m.device === undefined ? undefined : this.#stale.get(key(m.edgeNode, m.device)));
      if (s) out.push({ assetId: m.assetId, channelId: m.channelId, edgeNode: m.edgeNode, ...(m.device === undefined ? {} : { device: m.device }), reason: s.reason, sinceMs: s.sinceMs });
    }
    return out;
  }

  /** Closes the connection; nothing is delivered after it resolves. */
  dispose(): Promise<void> {
    this.#client.removeAllListeners('message');
    return new Promise((resolve) => this.#client.end(true, {}, () => resolve()));
  }

  #now(): number {
    return (this.#o.clock ?? Date.now)();
  }

  #reject(reason: SparkplugMessageReject): void {
    this.#c.rejected[reason]++;
  }

  #onMessage(topic: string, payload: Buffer): void {
    this.#c.received++;
    this.#c.lastMessageAtMs = this.#now();
    const t = parseSparkplugTopic(topic);
    if (!t || t.groupId !== this.#o.groupId || (this.#o.edgeNode !== undefined && t.edgeNode !== this.#o.edgeNode)) return this.#reject('unknown_topic');
    const msg = decodeSparkplug(payload);
    if (!msg) return this.#reject('malformed_payload');
    if (t.type === 'NBIRTH') return this.#nodeBirth(t, msg);
    if (t.type === 'NDEATH') return this.#nodeDeath(t, msg);
    const s = this.#sessions.get(t.edgeNode);
    if (!s || !s.born) {
      this.#reject(s?.everBorn ? 'awaiting_rebirth' : 'before_birth');
      return this.#requestRebirth(t.edgeNode);
    }
    if (msg.seq === undefined || msg.seq !== (s.lastSeq + 1) % 256) {
      s.born = false;
      this.#stale.set(key(t.edgeNode), { reason: 'sequence_break', sinceMs: this.#now() });
      this.#reject('sequence_break');
      this.#o.log?.(`sparkplug source: ${t.edgeNode} sent seq ${msg.seq ?? 'none'} after ${s.lastSeq}; its data is ignored until it is reborn`);
      return this.#requestRebirth(t.edgeNode);
    }
    s.lastSeq = msg.seq;
    if (t.type === 'DBIRTH') {
      const scope = newScope();
      this.#learn(scope, msg);
      s.devices.set(t.device!, scope);
      this.#stale.delete(key(t.edgeNode, t.device));
      this.#c.births++;
    } else if (t.type === 'DDEATH') {
      s.devices.delete(t.device!);
      this.#stale.set(key(t.edgeNode, t.device), { reason: 'death', sinceMs: this.#now() });
      this.#c.deaths++;
    } else if (t.type === 'DDATA' && !s.devices.has(t.device!)) {
      // Data from a device whose birth we missed: the node must repeat its births.
      this.#reject('before_birth');
      this.#requestRebirth(t.edgeNode);
    } else {
      this.#c.dataMessages++;
      this.#data(t, msg, t.device === undefined ? s.node : s.devices.get(t.device)!);
    }
  }

  #nodeBirth(t: SparkplugTopic, msg: SparkplugMessage): void {
    const bd = msg.metrics.find((m) => m.name === 'bdSeq');
    // Sparkplug 3.0: an NBIRTH carries seq 0 and its bdSeq; anything else cannot start a session.
    if (msg.seq !== 0 || !bd) return this.#reject('bad_birth');
    const session: NodeSession = {
      born: true,
      everBorn: true,
      bdSeq: bd ? longToNumber(bd.raw.longValue) : null,
      lastSeq: 0,
      node: newScope(),
      devices: new Map(),
      lastRebirthAtMs: this.#sessions.get(t.edgeNode)?.lastRebirthAtMs ?? null,
    };
    this.#learn(session.node, msg);
    this.#sessions.set(t.edgeNode, session);
    this.#stale.delete(key(t.edgeNode));
    this.#c.births++;
  }

  #nodeDeath(t: SparkplugTopic, msg: SparkplugMessage): void {
    const s = this.#sessions.get(t.edgeNode);
    const bd = msg.metrics.find((m) => m.name === 'bdSeq');
    const bdSeq = bd ? longToNumber(bd.raw.longValue) : null;
    // A death whose bdSeq is not the current session's is the Last Will of an older connection.
    if (s && s.bdSeq !== null && bdSeq !== null && bdSeq !== s.bdSeq) return this.#reject('stale_death');
    const sinceMs = this.#now();
    this.#stale.set(key(t.edgeNode), { reason: 'death', sinceMs });
    if (s) {
      for (const d of s.devices.keys()) this.#stale.set(key(t.edgeNode, d), { reason: 'death', sinceMs });
      s.born = false;
      s.devices.clear();
    }
    this.#c.deaths++;
  }

  #learn(scope: Scope, msg: SparkplugMessage): void {
    for (const m of msg.metrics) {
      if (m.name === undefined || m.datatype === undefined) continue;
      const def = { name: m.name, datatype: m.datatype };
      scope.byName.set(m.name, def);
      if (m.alias !== undefined) scope.byAlias.set(m.alias, def);
    }
  }

  #data(t: SparkplugTopic, msg: SparkplugMessage, scope: Scope): void {
    for (const m of msg.metrics) {
      this.#c.metrics++;
      const def = m.name !== undefined ? scope.byName.get(m.name) : m.alias !== undefined ? scope.byAlias.get(m.alias) : undefined;
      if (!def) {
        this.#c.metricRejected[m.name !== undefined ? 'unknown_metric' : 'unknown_alias']++;
        continue;
      }
      const mapping = this.#mappings.get(key(t.edgeNode, t.device, def.name));
      if (!mapping) {
        this.#c.unmapped++;
        continue;
      }
      this.#deliver(mapping, m, m.datatype ?? def.datatype, m.timestampMs ?? msg.timestampMs ?? this.#now(), def.datatype);
    }
  }

  #deliver(mapping: SparkplugChannelMapping, m: SparkplugMetric, datatype: number, atMs: number, birthDatatype: number): void {
    if (datatype !== birthDatatype) {
      this.#c.metricRejected.unexpected_type++;
      return;
    }
    try {
      if (mapping.sampleRateHz !== undefined) {
        const samples = metricFloatArray(m, datatype);
        if (!samples) {
          this.#c.metricRejected.unexpected_type++;
          return;
        }
        this.#o.sink.frame({ assetId: mapping.assetId, channelId: mapping.channelId, startMs: atMs, sampleRateHz: mapping.sampleRateHz, samples });
        this.#c.frames++;
      } else {
        const value = metricNumber(m, datatype);
        if (value === null) {
          this.#c.metricRejected.unexpected_type++;
          return;
        }
        this.#o.sink.value({ assetId: mapping.assetId, channelId: mapping.channelId, atMs, value });
        this.#c.values++;
      }
    } catch (err) {
      this.#c.metricRejected.sink_error++;
      this.#o.log?.(`sparkplug source: delivering ${mapping.assetId}/${mapping.channelId} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #requestRebirth(edgeNode: string): void {
    const now = this.#now();
    const s = this.#sessions.get(edgeNode) ?? { born: false, everBorn: false, bdSeq: null, lastSeq: 0, node: newScope(), devices: new Map(), lastRebirthAtMs: null };
    this.#sessions.set(edgeNode, s);
    if (s.lastRebirthAtMs !== null && now - s.lastRebirthAtMs < (this.#o.rebirthMinIntervalMs ?? 5000)) {
      this.#c.rebirthSuppressed++;
      return;
    }
    s.lastRebirthAtMs = now;
    this.#c.rebirthRequests++;
    this.#client.publish(ncmdTopic(this.#o.groupId, edgeNode), Buffer.from(encodeRebirthRequest(now)), { qos: 0 });
  }
}
