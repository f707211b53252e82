import type { MqttClient } from 'mqtt';
import type { Frame } from '../../contract/frame';
import type { VectorSample } from '../../engine';
import { decodeWave, PAYLOAD_PROBLEMS, type PayloadProblem } from './frameCodec';
import { SequenceTracker, type SequenceCounts } from './sequenceTracker';
import { connectSourceClient } from './sourceClient';
import { assetDataFilters, parseDataTopic, siteDataFilters } from './topics';

/** Where the source delivers what it decoded (the engine's ingest, through a frame bus). */
export interface SourceSink {
  /** A waveform frame; ingest validates its content and counts its own rejections. */
  frame(f: Frame): void;
  /** A feature snapshot of a vector channel. */
  vector(s: VectorSample): void;
  /** A slow value (speed in Hz, temperature, load). */
  value(v: { assetId: string; channelId: string; atMs: number; value: number }): void;
}

/** Why the source itself refused a message (before ingest saw anything). */
export const SOURCE_REJECTS = [...PAYLOAD_PROBLEMS, 'bad_json', 'bad_value', 'unknown_topic', 'unknown_vector_channel', 'duplicate', 'sink_error', 'not_followed'] as const;
export type SourceReject = (typeof SOURCE_REJECTS)[number];

/** What the source has seen: `received` = `frames` + `vectors` + `values` + every rejection. */
export interface MqttSourceCounters {
  connected: boolean;
  received: number;
  frames: number;
  vectors: number;
  values: number;
  rejected: Record<SourceReject, number>;
  sequence: SequenceCounts;
  connects: number;
  disconnects: number;
  /** Reconnection attempts while the broker was away (each after a longer wait). */
  reconnectAttempts: number;
  lastMessageAtMs: number | null;
}

export interface MqttSourceOptions {
  /** Broker URL: mqtt://host:port (or mqtts://, ws://). */
  url: string;
  site: string;
  /** 5 (default) for MQTT 5; 4 for a 3.1.1 broker such as the embedded aedes. */
  protocolVersion?: 4 | 5;
  clientId?: string;
  username?: string;
  password?: string;
  /** MQTT 5 shared subscription group (`$share/<group>/...`): engines of a group split the messages. */
  sharedGroup?: string;
  /**
   * 'site' (default): every asset of the site. 'assets': only the assets `follow` names, so an
   * engine of a scale-out group receives the data of the assets it holds and no other.
   */
  subscribe?: 'site' | 'assets';
  /** Feature names of each vector channel, in the model's order; null: not a vector channel. */
  vectorFeatures?: (assetId: string, channelId: string) => readonly string[] | null;
  sink: SourceSink;
  clock?: () => number;
  /** First reconnect delay (default 250 ms), doubled per failed attempt up to `maxReconnectMs` (default 10 s). */
  reconnectMs?: number;
  maxReconnectMs?: number;
  log?: (line: string) => void;
}

/**
 * Sensor data from an MQTT broker under the topic scheme of `topics.ts`: waveform frames in the
 * binary payload of `frameCodec.ts`, slow values and feature snapshots as JSON. Every message is
 * accounted for: delivered, or counted under the reason it was refused (malformed payload, bad
 * JSON, unknown topic, a duplicate sequence number); sequence gaps are counted per channel.
 *
 * Outages: when the broker goes away no frames arrive, so ingest marks the channels stale (no
 * scores, no trips from old data). The client reconnects with a doubling delay, never faster
 * than `reconnectMs` and at most `maxReconnectMs` apart, so a plant full of engines does not
 * flood a broker that is coming back. Subscriptions are QoS 0: waveform data is only useful
 * now; what a sensor gateway stored meanwhile comes back as frames with their own start times.
 */
export class MqttSource {
  readonly #client: MqttClient;
  readonly #o: MqttSourceOptions;
  readonly #seq = new SequenceTracker();
  readonly #c: Omit<MqttSourceCounters, 'sequence'>;
  /** Subscribed on every connection; with `subscribe: 'assets'`, changed by follow and unfollow. */
  readonly #filters: string[];
  readonly #followed = new Set<string>();

  private constructor(o: MqttSourceOptions) {
    this.#o = o;
    this.#c = { connected: false, received: 0, frames: 0, vectors: 0, values: 0, rejected: Object.fromEntries(SOURCE_REJECTS.map((r) => [r, 0])) as Record<SourceReject, number>, connects: 0, disconnects: 0, reconnectAttempts: 0, lastMessageAtMs: null };
    const prefix = o.sharedGroup ? `$share/${o.sharedGroup}/` : '';
    this.#filters = o.subscribe === 'assets' ? [] : siteDataFilters(o.site).map((f) => prefix + f);
    this.#client = connectSourceClient(
      {
        ...o,
        clientId: o.clientId ?? `vigil-source-${Math.random().toString(16).slice(2, 10)}`,
        filters: this.#filters,
        label: `mqtt source (site ${o.site})`,
      },
      this.#c,
    );
    this.#client.on('message', (topic, payload) => this.#onMessage(topic, payload));
  }

  /**
   * Starts connecting and returns at once: a plant whose broker is down at start runs anyway, its
   * channels stale (no data), and the source keeps trying with its back-off (`counters().connected`).
   */
  static start(o: MqttSourceOptions): MqttSource {
    return new MqttSource(o);
  }

  /** Connects and resolves once connected (the first time); rejects if that fails within `timeoutMs`. */
  static connect(o: MqttSourceOptions, timeoutMs = 10_000): Promise<MqttSource> {
    const s = new MqttSource(o);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void s.dispose();
        reject(new Error(`mqtt source: no connection to ${o.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.#client.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }

  /**
   * Starts receiving `assetId`'s data (`subscribe: 'assets'`): subscribed now if connected, and on
   * every reconnection. Idempotent.
   */
  follow(assetId: string): void {
    if (this.#o.subscribe !== 'assets' || this.#followed.has(assetId)) return;
    this.#followed.add(assetId);
    const filters = assetDataFilters(this.#o.site, assetId);
    this.#filters.push(...filters);
    if (this.#c.connected) this.#client.subscribe(filters, { qos: 0 }, (err) => err && this.#o.log?.(`mqtt source: subscribing to ${assetId} failed: ${err.message}`));
  }

  /**
   * Stops receiving `assetId`'s data: from this call on its messages are refused as `not_followed`
   * (some may still be on their way from the broker), and the subscription is removed.
   */
  unfollow(assetId: string): void {
    if (!this.#followed.delete(assetId)) return;
    const filters = assetDataFilters(this.#o.site, assetId);
    for (const f of filters) this.#filters.splice(this.#filters.indexOf(f), 1);
    if (this.#c.connected) this.#client.unsubscribe(filters);
  }

  counters(): MqttSourceCounters {
    return { ...this.#c, rejected: { ...this.#c.rejected }, sequence: this.#seq.totals() };
  }

  /** Closes the connection; nothing is delivered after it resolves. */
  dispose(): Promise<void> {
    this.#client.removeAllListeners('message');
    return new Promise((resolve) => this.#client.end(true, {}, () => resolve()));
  }

  #reject(reason: SourceReject): void {
    this.#c.rejected[reason]++;
  }

  #onMessage(topic: string, payload: Buffer): void {
    this.#c.received++;
    this.#c.lastMessageAtMs = (this.#o.clock ?? Date.now)();
    const t = parseDataTopic(topic);
    if (!t || t.site !== this.#o.site) return this.#reject('unknown_topic');
    if (this.#o.subscribe === 'assets' && !this.#followed.has(t.assetId)) return this.#reject('not_followed');
    try {
      if (t.kind === 'wave') this.#wave(t.assetId, t.channelId, payload);
      else this.#valueMessage(t.assetId, t.channelId, payload);
    } catch (err) {
      // A sink that throws is a bug downstream; the message is counted and the source goes on.
      this.#reject('sink_error');
      this.#o.log?.(`mqtt source: delivering ${topic} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #wave(assetId: string, channelId: string, payload: Buffer): void {
    const d = decodeWave(payload);
    if (!d.ok) return this.#reject(d.problem satisfies PayloadProblem);
    const verdict = this.#seq.observe(`${assetId}\u0000${channelId}`, d.wave.seq, d.wave.startMs);
    if (verdict.kind === 'duplicate') return this.#reject('duplicate');
    this.#o.sink.frame({ assetId, channelId, startMs: d.wave.startMs, sampleRateHz: d.wave.sampleRateHz, samples: d.wave.samples, ...(d.wave.shaftHz === undefined ? {} : { shaftHz: d.wave.shaftHz }) });
    this.#c.frames++;
  }

  #valueMessage(assetId: string, channelId: string, payload: Buffer): void {
    let msg: unknown;
    try {
      msg = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.#reject('bad_json');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return this.#reject('bad_value');
    const m = msg as { t?: unknown; v?: unknown; features?: unknown };
    if (typeof m.t !== 'number' || !Number.isFinite(m.t)) return this.#reject('bad_value');
    if (m.features !== undefined) {
      const names = this.#o.vectorFeatures?.(assetId, channelId) ?? null;
      if (!names) return this.#reject('unknown_vector_channel');
      if (typeof m.features !== 'object' || m.features === null) return this.#reject('bad_value');
      const f = m.features as Record<string, unknown>;
      const values = new Float32Array(names.length);
      for (let i = 0; i < names.length; i++) {
        const v = f[names[i]!];
        // Missing or non-numeric is malformed; NaN/Infinity cannot come through JSON, so ingest's non-finite check sees real numbers only.
        if (typeof v !== 'number') return this.#reject('bad_value');
        values[i] = v;
      }
      this.#o.sink.vector({ assetId, channelId, atMs: m.t, values });
      this.#c.vectors++;
      return;
    }
    if (typeof m.v !== 'number' || !Number.isFinite(m.v)) return this.#reject('bad_value');
    this.#o.sink.value({ assetId, channelId, atMs: m.t, value: m.v });
    this.#c.values++;
  }
}
