import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { RecordingActuator } from '../actuate/actuator';
import type { Frame } from '../contract/frame';
import { Engine } from '../engine';
import { DemoPlant } from '../ingest/demoPlant';
import { DEMO_MACHINES } from '../ingest/demoMachines';
import { feedPlant } from '../service/plantFeed';
import { loadManifest, loadRecording, shaftHzOf } from '../ingest/manifest';
import { commissionOnNormals, cwruAsset, CWRU_ASSET_ID, CWRU_CHANNEL_ID, CWRU_EPOCH_MS, CWRU_FRAME_SAMPLES, CWRU_RATE_HZ, normalRecordings } from '../evaluate/cwruRig';
import { ReplaySource } from '../ingest/replay';
import { backtestBench } from './backtestBench';
import { uiBench } from './uiBench';
import { learningBench } from './learnBench';
import { modbusBench } from './modbusBench';
import { mqttBench, mqttTransportFloor } from './mqttBench';
import { opcuaBench } from './opcuaBench';
import { scaleoutBench } from './scaleoutBench';
import { percentile, round, RssSampler } from './stats';

export interface BenchOptions {
  out: string;
  /** Seconds of real-time load for the latency phase (default 20). */
  seconds?: number;
}

type Metrics = Record<string, number>;


/**
 * Phase 1: hot-path latency at a stated load. The demo plant's 7 machines (12.8 kHz each, 4096-point
 * windows every 1024 samples, ~87 windows/s in all) are commissioned as fast as possible, then driven
 * in real time through the frame bus; every window's time from frame arrival to protection decision
 * is recorded.
 */
async function latencyAtLoad(seconds: number, m: Metrics, log: (l: string) => void): Promise<void> {
  const decisions: number[] = [];
  let measuring = false;
  const plant = new DemoPlant({ seed: 7, startMs: Date.now(), faultSchedule: [] });
  const engine = await Engine.create({ assets: plant.assets(), clock: () => Date.now(), actuator: new RecordingActuator(() => Date.now()), onDecision: (us) => measuring && decisions.push(us) });
  // Fast-forward plant time until every machine is commissioned (the VFD learns over a 3-minute cycle).
  for (let i = 0; i < 10_000 && engine.status().assets.some((a) => a.phase !== 'monitoring'); i++) {
    for (const f of plant.nextFrames()) engine.accept(f);
    if (i % 20 === 0) await engine.settle();
  }
  await engine.settle();
  measuring = true;
  const feed = feedPlant(engine, plant, () => Date.now());
  await new Promise((r) => setTimeout(r, seconds * 1000));
  // Read before stopping: frames still queued when the feed stops are discarded at shutdown, not lost under load.
  const droppedUnderLoad = engine.status().dropped;
  feed.stop();
  await engine.settle();
  measuring = false;
  const st = engine.status();
  await engine.dispose();
  const load = `${DEMO_MACHINES.length} machines × 12.8 kHz real time, ${decisions.length} windows in ${seconds} s`;
  log(`latency at load: ${load}, all ${st.assets.filter((a) => a.phase === 'monitoring').length} machines scoring; dropped under load ${droppedUnderLoad}`);
  m['hot_path.load.channels'] = DEMO_MACHINES.length;
  m['hot_path.load.windows_per_s'] = round(decisions.length / seconds);
  m['hot_path.decision_us.p50'] = round(percentile(decisions, 50));
  m['hot_path.decision_us.p99'] = round(percentile(decisions, 99));
  m['hot_path.decision_us.max'] = round(Math.max(...decisions));
  m['hot_path.dropped_frames'] = droppedUnderLoad;
}

/** A 12 kHz fault recording, a normal one and the rig's commissioned model, or null (phase skipped, said why) without the CWRU data. */
async function tripSource(
  log: (l: string) => void,
): Promise<{ samples: Float32Array; shaftHz: number; normal: Float32Array; normalShaftHz: number; model: Awaited<ReturnType<typeof commissionOnNormals>>['model']; label: string } | null> {
  const dir = resolve(process.env.VIGIL_DATA ?? '../shared/data', 'cwru');
  if (!existsSync(resolve(dir, 'manifest.json'))) {
    log(`trip and throughput phases skipped: no CWRU data at ${dir} (set VIGIL_DATA)`);
    return null;
  }
  const manifest = await loadManifest(dir);
  if (manifest.kind !== 'cwru') return null;
  const normals = normalRecordings(manifest).use;
  const { model } = await commissionOnNormals(dir, normals);
  const r = manifest.recordings.find((x) => x.file === 'cwru_ir_021_load0_de12k.f32') ?? manifest.recordings.find((x) => x.fault_type === 'inner_race')!;
  const n = normals[0]!;
  return { samples: await loadRecording(dir, r), shaftHz: shaftHzOf(r), normal: await loadRecording(dir, n), normalShaftHz: shaftHzOf(n), model, label: r.file };
}

/** Seconds of fault, then of normal running, per trip cycle of the trip phase. */
const TRIP_CYCLE_S = 1;
const TRIP_CYCLES = 100;

/**
 * Phase 2: trips. Fault and normal running alternate, streamed frame by frame: each fault stretch
 * trips; in the normal stretch after it the danger condition clears and the latch is reset (a reset
 * is refused while danger holds, as on a real monitor). Records time from frame arrival to the
 * actuator's return.
 * Phase 3: throughput. The fault recording streamed as fast as the engine takes it.
 */
async function tripsAndThroughput(m: Metrics, log: (l: string) => void): Promise<void> {
  const src = await tripSource(log);
  if (!src) return;
  const actuatorUs: number[] = [];
  const engine = await Engine.create({ assets: [cwruAsset(8)], clock: () => Date.now(), actuator: new RecordingActuator(() => Date.now()) });
  await engine.installModel(CWRU_ASSET_ID, CWRU_CHANNEL_ID, src.model, false);
  engine.on((e) => e.type === 'TripRequested' && actuatorUs.push(e.latencyUs));
  const chunk = TRIP_CYCLE_S * CWRU_RATE_HZ;
  const stretch = (samples: Float32Array, shaftHz: number, k: number, epochMs: number): Frame[] => {
    const startSample = (k * chunk) % (samples.length - chunk);
    return [...new ReplaySource({ assetId: CWRU_ASSET_ID, channelId: CWRU_CHANNEL_ID, samples, sampleRateHz: CWRU_RATE_HZ, frameSamples: CWRU_FRAME_SAMPLES, epochMs: epochMs - (startSample / CWRU_RATE_HZ) * 1000, shaftHz, startSample, endSample: startSample + chunk }).frames()];
  };
  let epoch = CWRU_EPOCH_MS;
  let refused = 0;
  for (let k = 0; k < TRIP_CYCLES; k++) {
    for (const f of stretch(src.samples, src.shaftHz, k, epoch)) await engine.push(f);
    epoch += TRIP_CYCLE_S * 1000;
    for (const f of stretch(src.normal, src.normalShaftHz, k, epoch)) await engine.push(f);
    epoch += TRIP_CYCLE_S * 1000;
    if (!engine.resetLatch(CWRU_ASSET_ID, 'bench').ok) refused++;
  }
  log(`trips: ${actuatorUs.length} in ${TRIP_CYCLES} cycles of ${TRIP_CYCLE_S} s ${src.label} then ${TRIP_CYCLE_S} s normal, streamed frame by frame; ${refused} resets refused`);
  m['hot_path.trips'] = actuatorUs.length;
  m['hot_path.actuator_us.p50'] = round(percentile(actuatorUs, 50));
  m['hot_path.actuator_us.p99'] = round(percentile(actuatorUs, 99));
  m['hot_path.actuator_us.max'] = round(Math.max(...actuatorUs));

  const frames = (epochMs: number): Frame[] => [...new ReplaySource({ assetId: CWRU_ASSET_ID, channelId: CWRU_CHANNEL_ID, samples: src.samples, sampleRateHz: CWRU_RATE_HZ, frameSamples: CWRU_FRAME_SAMPLES, epochMs, shaftHz: src.shaftHz }).frames()];
  // Throughput: the recording 5 times over, frames accepted as fast as the engine settles them.
  const repeats = 5;
  const recordingS = src.samples.length / CWRU_RATE_HZ;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < repeats; k++) {
    for (const f of frames(epoch + (k + 1) * 3_600_000)) engine.accept(f);
    await engine.settle();
  }
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  await engine.dispose();
  m['throughput.realtime_factor_12k'] = round((repeats * recordingS) / wallS);
  m['throughput.windows_per_s'] = round((repeats * (src.samples.length / 512)) / wallS);
  log(`throughput: ${(repeats * recordingS).toFixed(1)} s of 12 kHz audio in ${wallS.toFixed(2)} s wall (window 4096, hop 512, one core)`);
}

/** `npm run bench`: prints a table and writes `{machine, metrics}` JSON for run-to-run comparison. */
export async function benchCommand(o: BenchOptions): Promise<number> {
  const log = (l: string): void => console.log(l);
  const rss = new RssSampler();
  const metrics: Metrics = {};
  await tripsAndThroughput(metrics, log);
  await learningBench(metrics, log);
  await latencyAtLoad(o.seconds ?? 20, metrics, log);
  metrics['memory.rss_mb_peak'] = round(rss.stop() / 2 ** 20);
  // Through a real broker: after the engine's RSS (it runs a second engine of 64 channels).
  // First the broker alone at each load: the part of every trip that no engine work can remove.
  await mqttTransportFloor(metrics, log);
  await mqttTransportFloor(metrics, log, { assets: 4, prefix: 'mqtt.16ch' });
  // 64 channels outgrow the engine's thread on 2 cores: features in 2 threads beside it (EngineOptions.featureThreads).
  await mqttBench(metrics, log, { featureThreads: 2 });
  // A quarter of the load: the path's own latency when the engine's thread keeps up with ease (no feature threads: one hop fewer).
  await mqttBench(metrics, log, { assets: 4, prefix: 'mqtt.16ch' });
  await modbusBench(metrics, log);
  await opcuaBench(metrics, log);
  // Engines in processes of their own, one killed: the time until the others run its assets.
  await scaleoutBench(metrics, log);
  // The console in Chromium: after the engine's RSS is taken (the browser and 32 machines are not the engine's footprint).
  await uiBench(metrics, log);
  // Last, and outside the engine's RSS figure: its 30-day history alone is ~415 MB of columns.
  backtestBench(metrics, log);
  const cpu = cpus()[0];
  const machine = { cpu: cpu?.model ?? 'unknown', cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}`, total_mem_gb: round(totalmem() / 2 ** 30), at: new Date().toISOString() };
  console.log('\nmetric'.padEnd(41) + 'value');
  for (const [k, v] of Object.entries(metrics)) console.log(`${k.padEnd(40)} ${v}`);
  await mkdir(dirname(resolve(o.out)), { recursive: true });
  await writeFile(o.out, `${JSON.stringify({ machine, metrics }, null, 2)}\n`);
  console.log(`\nwrote ${o.out}`);
  return 0;
}
