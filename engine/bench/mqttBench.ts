import type { Worker } from 'node:worker_threads';
import type { AssetConfig } from '../contract/asset';
import { MOSQUITTO, startMosquitto } from '../connect/localPeer';
import { MqttSource } from '../connect/mqtt/MqttSource';
import { MqttTripOutput } from '../connect/mqtt/output/MqttTripOutput';
import { Engine } from '../engine';
import { demoAssetConfig, demoMachines } from '../ingest/demoMachines';
import { FrameBus } from '../ingest/frameBus';
import { startModuleWorker } from '../util/startModuleWorker';
import type { FromController, ToController } from './mqttControllerWorker';
import type { FromLoad, MqttLoadData, ToLoad } from './mqttLoadWorker';
import { percentile, round } from './stats';

type Metrics = Record<string, number>;

const SITE = 'bench';
const CHANNELS_PER_ASSET = 4;
const RATE_HZ = 25_600;
/** 10 ms frames. */
const FRAME_SAMPLES = 256;
const WINDOW = 4096;
const HOP = 1024;

/** The benchmark's machines: four accelerometers each at 25.6 kHz, velocity protection on every window (no model: it never finishes commissioning here). */
function benchAssets(count: number): AssetConfig[] {
  return demoMachines(count).map((spec, i) => ({
    ...demoAssetConfig(spec),
    assetId: `m${String(i + 1).padStart(2, '0')}`,
    channels: ['de_x', 'de_y', 'nde_x', 'nde_y'].slice(0, CHANNELS_PER_ASSET).map((channelId) => ({ channelId, sampleRateHz: RATE_HZ, windowSize: WINDOW, hopSize: HOP, maxFrameSamples: 4096 })),
    // No on-delay: the first window past danger trips, so the frame that completes it is the tripping frame.
    setpoints: { score: { alert: 1, danger: 3, onDelayWindows: 0 }, velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 0 } },
    commissioningWindows: 1_000_000,
  }));
}

function channelsOf(assets: readonly AssetConfig[]): Array<{ assetId: string; channelId: string }> {
  return assets.flatMap((a) => a.channels.map((c) => ({ assetId: a.assetId, channelId: c.channelId })));
}

/** A frame's key: the end of its last sample in ms, rounded, as the load thread reports its loud frames (`endMs`). */
function frameEndKey(f: { startMs: number; sampleRateHz: number; samples: Float32Array }): number {
  return Math.round(f.startMs + (1000 * f.samples.length) / f.sampleRateHz);
}

function once<T>(w: Worker, pick: (m: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the benchmark thread within ${timeoutMs} ms`)), timeoutMs);
    const on = (m: T): void => {
      if (!pick(m)) return;
      clearTimeout(timer);
      w.off('message', on);
      resolve(m);
    };
    w.on('message', on);
  });
}

/**
 * Phase: the same gateway, broker and load as `mqttBench`, and nothing of the engine: a bare
 * `MqttSource` (the engine's own MQTT client) takes every frame and only notes when each of one
 * loud channel's frames reached it. `<prefix>.transport_floor_ms` is publish → that client, the
 * first leg of every trip, with no window, feature, decision or command behind it: what this
 * machine's broker and loopback cost at this load, and so the least any trip through them can take.
 */
export async function mqttTransportFloor(m: Metrics, log: (l: string) => void, o: { assets?: number; prefix?: string; seconds?: number } = {}): Promise<void> {
  if (!MOSQUITTO) {
    log('mqtt transport floor skipped: mosquitto is not installed (apt-get install mosquitto)');
    return;
  }
  const broker = await startMosquitto();
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const channels = channelsOf(benchAssets(o.assets ?? 16));
  const loud = channels[Math.min(5, channels.length - 1)]!;
  const received = new Map<number, bigint>();
  const source = await MqttSource.connect({
    url,
    site: SITE,
    sink: {
      frame: (f) => {
        if (f.assetId === loud.assetId && f.channelId === loud.channelId) received.set(frameEndKey(f), process.hrtime.bigint());
      },
      vector: () => {},
      value: () => {},
    },
  });
  const load = startModuleWorker(import.meta.url, 'mqttLoadWorker', { workerData: { url, site: SITE, channels, sampleRateHz: RATE_HZ, frameSamples: FRAME_SAMPLES } satisfies MqttLoadData });
  const published: Array<{ endMs: number; publishedNs: bigint }> = [];
  load.on('message', (msg: FromLoad) => msg.kind === 'loud' && published.push(msg));
  try {
    await new Promise((r) => setTimeout(r, 3000));
    load.postMessage({ kind: 'loud', ...loud } satisfies ToLoad);
    await new Promise((r) => setTimeout(r, (o.seconds ?? 10) * 1000));
    load.postMessage({ kind: 'quiet' } satisfies ToLoad);
    await new Promise((r) => setTimeout(r, 500));
    const delays = published.flatMap((p) => {
      const at = received.get(Math.round(p.endMs));
      return at === undefined ? [] : [Number(at - p.publishedNs) / 1e6];
    });
    const key = o.prefix ?? 'mqtt';
    m[`${key}.transport_floor_ms.p50`] = round(percentile(delays, 50), 2);
    m[`${key}.transport_floor_ms.p99`] = round(percentile(delays, 99), 2);
    log(
      `mqtt: transport floor at ${channels.length} channels (gateway → mosquitto → the engine's MQTT client, no engine): ` +
        `p50 ${percentile(delays, 50).toFixed(2)} / p99 ${percentile(delays, 99).toFixed(2)} / max ${Math.max(...delays).toFixed(2)} ms over ${delays.length} of ${published.length} frames`,
    );
  } finally {
    load.postMessage({ kind: 'stop' } satisfies ToLoad);
    await once(load, (x: FromLoad) => x.kind === 'stopped', 5000).catch(() => null);
    await load.terminate();
    await source.dispose();
    await broker.stop();
  }
}

/**
 * Phase: the plant through a real MQTT broker (mosquitto, loopback). 16 machines × 4 channels =
 * 64 channels at 25.6 kHz publish 10 ms frames (6 400 messages/s, 1.6 M samples/s) from a
 * gateway thread; one engine subscribes (MqttSource), cuts 4096-sample windows every 1024 samples
 * (1 600 windows/s; features on the engine's thread, or in `featureThreads` beside it), runs
 * velocity protection on each, and sends its trips as MQTT commands
 * (QoS 1, correlation id, acknowledgement) to a controller in another thread. A channel is then
 * made loud, one machine at a time; `mqtt.trip_ms` is from the gateway's publish of the frame
 * whose condition trips (the one that completed the window the engine's decision names) to the
 * controller's receipt of the trip command (one process clock). The first loud window rarely
 * trips: its loud samples sit under the tail of the analysis window's taper. Skipped, saying why,
 * without mosquitto.
 */
export async function mqttBench(m: Metrics, log: (l: string) => void, o: { trips?: number; warmupS?: number; assets?: number; prefix?: string; featureThreads?: number } = {}): Promise<void> {
  if (!MOSQUITTO) {
    log('mqtt phase skipped: mosquitto is not installed (apt-get install mosquitto)');
    return;
  }
  const broker = await startMosquitto();
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const assets = benchAssets(o.assets ?? 16);
  const key = o.prefix ?? 'mqtt';
  const channels = channelsOf(assets);
  const output = await MqttTripOutput.connect({ url, site: SITE, name: 'mqtt-bench-controller', ackTimeoutMs: 1000 });
  // Where the time goes, on the loud channel only (one comparison per frame): when each of its
  // frames reached the engine's MQTT client and left the bus for ingest, and when a trip command
  // was handed to the output. Keyed by the frame's end, as the load thread reports its frames.
  const path = { channel: null as { assetId: string; channelId: string } | null, received: new Map<number, bigint>(), accepted: new Map<number, bigint>(), commanded: [] as Array<{ assetId: string; atNs: bigint }> };
  const onLoudChannel = (f: { assetId: string; channelId: string; startMs: number; sampleRateHz: number; samples: Float32Array }, into: Map<number, bigint>): void => {
    if (f.assetId === path.channel?.assetId && f.channelId === path.channel.channelId) into.set(frameEndKey(f), process.hrtime.bigint());
  };
  const actuator = {
    name: output.name,
    requestTrip: (cmd: Parameters<typeof output.requestTrip>[0]) => {
      path.commanded.push({ assetId: cmd.assetId, atNs: process.hrtime.bigint() });
      return output.requestTrip(cmd);
    },
  };
  const engine = await Engine.create({ assets, clock: () => Date.now(), actuator, featureThreads: o.featureThreads ?? 0 });
  const bus = new FrameBus(
    (f) => {
      onLoudChannel(f, path.accepted);
      engine.accept(f);
    },
    { batchSize: 1, onDrop: (f) => engine.ingest.countRejected(f.assetId, f.channelId, 'overflow') },
  );
  const source = await MqttSource.connect({
    url,
    site: SITE,
    sink: {
      frame: (f) => {
        onLoudChannel(f, path.received);
        bus.offer(f);
      },
      vector: (v) => engine.acceptVector(v),
      value: () => {},
    },
  });
  // The tripping window of each trip: the engine says when its condition became true (the window's end).
  const decided: Array<{ assetId: string; decidedAtMs: number }> = [];
  engine.on((e) => e.type === 'TripRequested' && decided.push({ assetId: e.assetId, decidedAtMs: e.decidedAtMs }));
  const controller = startModuleWorker(import.meta.url, 'mqttControllerWorker', { workerData: { url, site: SITE } });
  const latches: Array<{ assetId: string; atNs: bigint }> = [];
  controller.on('message', (msg: FromController) => msg.kind === 'latched' && latches.push({ assetId: msg.assetId, atNs: msg.atNs }));
  await once<FromController>(controller, (x) => x.kind === 'ready', 15_000);
  const data: MqttLoadData = { url, site: SITE, channels, sampleRateHz: RATE_HZ, frameSamples: FRAME_SAMPLES };
  const load = startModuleWorker(import.meta.url, 'mqttLoadWorker', { workerData: data });
  const loudFrames: Array<{ assetId: string; endMs: number; publishedNs: bigint }> = [];
  load.on('message', (msg: FromLoad) => msg.kind === 'loud' && loudFrames.push(msg));
  let lastStats = { published: 0, behindMs: 0 };
  load.on('message', (msg: FromLoad) => msg.kind === 'stats' && (lastStats = { published: msg.published, behindMs: Math.max(lastStats.behindMs, msg.behindMs) }));
  try {
    const warmupS = o.warmupS ?? 5;
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const before = { frames: engine.ingest.counters().frames, atMs: Date.now(), received: source.counters().frames };
    await new Promise((r) => setTimeout(r, 5000));
    const framesPerS = ((engine.ingest.counters().frames - before.frames) * 1000) / (Date.now() - before.atMs);
    const windowsPerS = (framesPerS * FRAME_SAMPLES) / HOP;

    const trips: number[] = [];
    // Per trip: publish → the engine's MQTT client, waiting in the bus, the engine (ingest, features, decision), command → controller.
    const legs = { broker_in: [] as number[], queued: [] as number[], engine: [] as number[], broker_out: [] as number[] };
    // 100 trips, so that p99 is the 99th of 100 rather than the worst of a few (about 60 s per load).
    const count = o.trips ?? 100;
    for (let i = 0; i < count; i++) {
      const a = assets[i % assets.length]!;
      const latchesBefore = latches.length;
      const decidedBefore = decided.length;
      loudFrames.length = 0;
      path.channel = { assetId: a.assetId, channelId: a.channels[0]!.channelId };
      path.received.clear();
      path.accepted.clear();
      const commandedBefore = path.commanded.length;
      load.postMessage({ kind: 'loud', assetId: a.assetId, channelId: a.channels[0]!.channelId } satisfies ToLoad);
      const by = Date.now() + 3000;
      while (latches.length === latchesBefore && Date.now() < by) await new Promise((r) => setTimeout(r, 2));
      const latch = latches.slice(latchesBefore).find((l) => l.assetId === a.assetId);
      const decision = decided.slice(decidedBefore).find((d) => d.assetId === a.assetId);
      // The frame whose condition tripped: the loud frame that completed the tripping window (its last sample is in it).
      const frameMs = (1000 * FRAME_SAMPLES) / RATE_HZ;
      const tripping = decision && loudFrames.find((f) => f.assetId === a.assetId && f.endMs - frameMs < decision.decidedAtMs && decision.decidedAtMs <= f.endMs + 0.001);
      if (latch && tripping) {
        trips.push(Number(latch.atNs - tripping.publishedNs) / 1e6);
        const received = path.received.get(Math.round(tripping.endMs));
        const accepted = path.accepted.get(Math.round(tripping.endMs));
        const commanded = path.commanded.slice(commandedBefore).find((c) => c.assetId === a.assetId);
        if (received !== undefined && accepted !== undefined && commanded) {
          legs.broker_in.push(Number(received - tripping.publishedNs) / 1e6);
          legs.queued.push(Number(accepted - received) / 1e6);
          legs.engine.push(Number(commanded.atNs - accepted) / 1e6);
          legs.broker_out.push(Number(latch.atNs - commanded.atNs) / 1e6);
        }
      }
      else log(`mqtt: trip ${i + 1} of ${a.assetId}: ${latch ? 'the tripping frame was not among the loud frames published' : 'not observed at the controller within 3 s'}`);
      load.postMessage({ kind: 'quiet' } satisfies ToLoad);
      path.channel = null;
      // Quiet windows must fill the analysis window before the latch can be reset.
      await new Promise((r) => setTimeout(r, 400));
      const reset = engine.resetLatch(a.assetId, 'benchmark');
      if (!reset.ok) await new Promise((r) => setTimeout(r, 500)).then(() => engine.resetLatch(a.assetId, 'benchmark'));
      controller.postMessage({ kind: 'reset', assetId: a.assetId } satisfies ToController);
      await new Promise((r) => setTimeout(r, 100));
    }
    const st = engine.status();
    const sc = source.counters();
    const oc = output.counters();
    m[`${key}.load.channels`] = channels.length;
    m[`${key}.load.feature_threads`] = o.featureThreads ?? 0;
    m[`${key}.load.frames_per_s`] = round(framesPerS);
    m[`${key}.load.windows_per_s`] = round(windowsPerS);
    m[`${key}.trip_ms.p50`] = round(percentile(trips, 50), 2);
    m[`${key}.trip_ms.p99`] = round(percentile(trips, 99), 2);
    m[`${key}.trips_observed`] = trips.length;
    for (const [leg, xs] of Object.entries(legs)) m[`${key}.${leg}_ms.p99`] = round(percentile(xs, 99), 2);
    m[`${key}.dropped_frames`] = st.dropped;
    log(
      `mqtt: ${channels.length} channels × ${RATE_HZ / 1000} kHz in ${(1000 * FRAME_SAMPLES) / RATE_HZ} ms frames through mosquitto into one engine (${o.featureThreads ?? 0} feature threads): ` +
        `${framesPerS.toFixed(0)} frames/s (${windowsPerS.toFixed(0)} windows/s) taken, ${st.dropped} dropped by the engine's bus, ` +
        `source gaps ${sc.sequence.gaps} (${sc.sequence.missing} frames missing), gateway at most ${lastStats.behindMs.toFixed(0)} ms behind`,
    );
    log(`mqtt: publish of the tripping frame to the trip command at the controller: p50 ${percentile(trips, 50).toFixed(2)} ms, p99 ${percentile(trips, 99).toFixed(2)} ms, max ${Math.max(...trips).toFixed(2)} ms over ${trips.length} trips; controller acknowledged ${oc.acks}, timeouts ${oc.timeouts}`);
    const leg = (xs: number[]): string => `p50 ${percentile(xs, 50).toFixed(2)} / p99 ${percentile(xs, 99).toFixed(2)} ms`;
    log(`mqtt: where it went (${legs.engine.length} trips): publish to the engine's MQTT client ${leg(legs.broker_in)}; waiting in the engine's bus ${leg(legs.queued)}; ingest, features and decision ${leg(legs.engine)}; command to the controller ${leg(legs.broker_out)}`);
  } finally {
    load.postMessage({ kind: 'stop' } satisfies ToLoad);
    controller.postMessage({ kind: 'stop' } satisfies ToController);
    await Promise.race([Promise.all([once(load, () => true, 5000).catch(() => null), once(controller, () => true, 5000).catch(() => null)]), new Promise((r) => setTimeout(r, 5000))]);
    await load.terminate();
    await controller.terminate();
    await source.dispose();
    bus.dispose();
    await engine.dispose();
    await output.dispose();
    await broker.stop();
  }
}
