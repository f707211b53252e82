import type { Frame } from '../contract/frame';
import type { ModbusSource, MqttSource as MqttSourceConfig, OpcuaSource as OpcuaSourceConfig, PlantConfig, PlantSource, SparkplugSource as SparkplugSourceConfig } from '../config/plant/plantConfigSchema';
import { opcuaPkiFolder } from './opcua/opcuaPkiFolder';
import { OpcuaSource } from './opcua/OpcuaSource';
import { DEFAULT_STALE_AFTER_MS } from '../config/plant/plantSourceSchemas';
import type { VectorSample } from '../engine';
import { ModbusPoller } from './modbus/ModbusPoller';
import { MqttSource, type SourceSink } from './mqtt/MqttSource';
import { mqttLoginOf } from './plantMqtt';
import { SparkplugSource } from './sparkplug/SparkplugSource';
import type { ProcessValues } from './ProcessValues';

/** Where the plant's sources deliver: the engine's frame bus and vector intake. */
export interface PlantSourceSinks {
  frame(f: Frame): void;
  vector(s: VectorSample): void;
}

/** One running source, as the console's health view shows it. */
export interface RunningSource {
  id: string;
  kind: PlantSource['kind'];
  /** Connected to its broker or device now. */
  connected(): boolean;
  /** The source's own counters (received, delivered, each rejection, reconnects). */
  counters(): object;
  /** Scale-out: start and stop receiving an asset's data (MQTT sources; the others deliver every asset and the console keeps what it holds). */
  follow?(assetId: string): void;
  unfollow?(assetId: string): void;
  stop(): Promise<void>;
}

/** The plant's sources, started. */
export interface PlantSources {
  sources: readonly RunningSource[];
  /** Sources the file lists that this build cannot run yet, with why (logged at start). */
  notStarted: readonly { id: string; why: string }[];
  stop(): Promise<void>;
}

/** Knobs of `startPlantSources`. */
export interface PlantSourceOptions {
  values: ProcessValues;
  log: (line: string) => void;
  clock?: () => number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Client id prefix, unique per engine (a broker drops the older of two connections with one id). */
  clientIdPrefix?: string;
  /** The OPC UA client's certificate store (`opcuaPkiFolder`); absent: one under the temporary directory, never the user's home. */
  pkiFolder?: string;
}

/**
 * Starts every source the plant file lists, delivering waveforms to the engine's frame bus and slow
 * values to `values`. A frame without its own shaft speed gets the asset's measured one (the
 * `speed` channel, when fresh), so order tracking follows the drive. Sources start without waiting
 * for their broker or device: a plant whose PLC is off at start runs, its channels stale, and each
 * source reconnects with its own back-off. A source that fails to start for a reason of its own
 * (a missing password variable) stops the start with that reason: better no console than one that
 * silently watches half the plant.
 */
export function startPlantSources(config: PlantConfig, sinks: PlantSourceSinks, o: PlantSourceOptions): PlantSources {
  const clock = o.clock ?? Date.now;
  const env = o.env ?? process.env;
  const prefix = o.clientIdPrefix ?? `vigil-${config.site}-${process.pid}`;
  // Each source decodes a fresh frame per message, so it is completed in place (no copy per frame).
  const withSpeed = (f: Frame): Frame => {
    if (f.shaftHz === undefined) {
      const shaftHz = o.values.shaftHz(f.assetId, clock());
      if (shaftHz !== undefined) f.shaftHz = shaftHz;
    }
    return f;
  };
  const sources: RunningSource[] = [];
  const notStarted: { id: string; why: string }[] = [];
  try {
    for (const s of config.sources) {
      switch (s.kind) {
        case 'mqtt':
          sources.push(startMqtt(config, s, { frame: (f) => sinks.frame(withSpeed(f)), vector: sinks.vector, value: (v) => o.values.put({ ...v, sourceId: s.id }, s.staleAfterMs) }, { ...o, clock, env, clientId: `${prefix}-${s.id}` }));
          break;
        case 'modbus':
          sources.push(startModbus(s, o.values, clock));
          break;
        case 'sparkplug':
          sources.push(startSparkplug(s, { frame: (f) => sinks.frame(withSpeed(f)), vector: sinks.vector, value: (v) => o.values.put({ ...v, sourceId: s.id }, s.staleAfterMs) }, { ...o, clock, env, clientId: `${prefix}-${s.id}` }));
          break;
        case 'opcua':
          sources.push(startOpcua(s, { frame: (f) => sinks.frame(withSpeed(f)), vector: sinks.vector, value: (v) => o.values.put({ ...v, sourceId: s.id }, DEFAULT_STALE_AFTER_MS) }, o.values, { ...o, clock }));
          break;
      }
    }
  } catch (err) {
    for (const s of sources) void s.stop();
    throw err;
  }
  for (const n of notStarted) o.log(`source ${n.id}: ${n.why}`);
  return {
    sources,
    notStarted,
    async stop() {
      await Promise.all(sources.map((s) => s.stop()));
    },
  };
}

function startMqtt(config: PlantConfig, s: MqttSourceConfig, sink: SourceSink, o: { log: (l: string) => void; clock: () => number; env: Readonly<Record<string, string | undefined>>; clientId: string }): RunningSource {
  const login = mqttLoginOf(s, o.env);
  const vectorFeatures = vectorFeaturesOf(config);
  const source = MqttSource.start({
    url: s.url, site: config.site, protocolVersion: s.protocolVersion, clientId: s.clientId ?? o.clientId,
    // Scale-out: each engine subscribes to the assets it holds, so an asset's data reaches one engine.
    ...(config.scaleout ? { subscribe: 'assets' as const } : {}),
    ...login, ...(s.sharedGroup === undefined ? {} : { sharedGroup: s.sharedGroup }),
    vectorFeatures, sink, clock: o.clock, log: (l) => o.log(`source ${s.id}: ${l}`),
  });
  return {
    id: s.id, kind: 'mqtt', connected: () => source.counters().connected, counters: () => source.counters(), stop: () => source.dispose(),
    follow: (assetId) => source.follow(assetId), unfollow: (assetId) => source.unfollow(assetId),
  };
}

function startSparkplug(s: SparkplugSourceConfig, sink: SourceSink, o: { log: (l: string) => void; clock: () => number; env: Readonly<Record<string, string | undefined>>; clientId: string }): RunningSource {
  const source = SparkplugSource.start({
    url: s.url, groupId: s.groupId, ...(s.edgeNodes?.length === 1 ? { edgeNode: s.edgeNodes[0]! } : {}),
    mappings: s.metrics.map((m) => ({ edgeNode: m.edgeNode, ...(m.device === undefined ? {} : { device: m.device }), metric: m.metric, assetId: m.assetId, channelId: m.channelId, ...(m.kind === 'waveform' ? { sampleRateHz: m.sampleRateHz } : {}) })),
    sink, clientId: o.clientId, ...mqttLoginOf(s, o.env), clock: o.clock, log: (l) => o.log(`source ${s.id}: ${l}`),
  });
  return { id: s.id, kind: 'sparkplug', connected: () => source.counters().connected, counters: () => source.counters(), stop: () => source.dispose() };
}

function startOpcua(s: OpcuaSourceConfig, sink: SourceSink, values: ProcessValues, o: { log: (l: string) => void; clock: () => number; pkiFolder?: string }): RunningSource {
  const source = new OpcuaSource({ ...s, sink, clock: o.clock, log: (l) => o.log(`source ${s.id}: ${l}`), pkiFolder: o.pkiFolder ?? opcuaPkiFolder(':memory:') });
  // OPC UA reports a value only when it changes: the subscription's keep-alives confirm an unchanged one.
  const confirm = setInterval(() => {
    for (const ch of source.channels()) if (ch.kind === 'value' && ch.confirmedAtMs !== null) values.confirm(ch.assetId, ch.channelId, ch.confirmedAtMs);
  }, 500);
  confirm.unref();
  return {
    id: s.id, kind: 'opcua', connected: () => source.connected, counters: () => source.counters(),
    stop: async () => {
      clearInterval(confirm);
      await source.dispose();
    },
  };
}

/** Feature names of each vector channel in the plant file, in the order its model takes them. */
function vectorFeaturesOf(config: PlantConfig): (assetId: string, channelId: string) => readonly string[] | null {
  const byKey = new Map<string, readonly string[]>();
  for (const a of config.assets) for (const v of a.vectorChannels ?? []) byKey.set(`${a.id}\u0000${v.id}`, v.featureNames);
  return (assetId, channelId) => byKey.get(`${assetId}\u0000${channelId}`) ?? null;
}

function startModbus(s: ModbusSource, values: ProcessValues, clock: () => number): RunningSource {
  // Modbus has no staleness setting of its own: three missed polls, and never under the default.
  const staleAfterMs = Math.max(DEFAULT_STALE_AFTER_MS, 3 * s.pollMs);
  const poller = new ModbusPoller({
    name: `modbus:${s.id}`, host: s.host, port: s.port, unitId: s.unitId, pollMs: s.pollMs, registers: s.registers, clock,
    sink: (v) => values.put({ assetId: v.assetId, channelId: v.channelId, atMs: v.atMs, value: v.value, sourceId: s.id }, staleAfterMs),
  });
  return {
    id: s.id,
    kind: 'modbus',
    connected: () => {
      const l = poller.counters().link;
      return l.connects > l.disconnects;
    },
    counters: () => poller.counters(),
    stop: async () => poller.dispose(),
  };
}
