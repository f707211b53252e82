import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { Accounts } from '../../../engine/auth/Accounts';
import { ConfigService } from '../../../engine/config/ConfigService';
import { LIVE_MAX_POINTS, LiveViewSchema, type ConsoleReply, type LiveChannel, type LiveSpectrum, type LiveView } from '../../../engine/contract';
import { Engine, type AnalysedWindow } from '../../../engine/engine';
import { DEMO_CHANNEL_ID, DEMO_MACHINES, DEMO_SAMPLE_RATE_HZ } from '../../../engine/ingest/demoMachines';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import type { FaultEvent } from '../../../engine/ingest/simulator';
import { ConsoleHost } from '../../../engine/service/ConsoleHost';
import { LiveViews, TREND_BUCKET_MS, TREND_POINTS } from '../../../engine/service/liveView';
import { OperatorActions } from '../../../engine/service/OperatorActions';
import { openStore, type Store } from '../../../engine/store/openStore';

/**
 * `asset.live` over the real engine on the simulated plant, driven faster than real time: pump-101
 * grows an outer-race spall once its model is commissioned, pump-102 stays healthy. The view must
 * show the fault where a reliability engineer looks for it (the envelope spectrum's line at BPFO),
 * stay bounded, and be readable by a viewer.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
const FAST_SCRYPT = { n: 2 ** 10, r: 8, p: 1, keylenBytes: 32 };
const START_MS = 1_800_000_000_000;
/** Commissioning takes 120 windows (≈ 10 s of signal); the spall starts after it and is full-scale within seconds. */
const FAULT: FaultEvent = { assetId: 'pump-101', kind: 'outer_race', onsetSec: 14, growthTauSec: 3, initialSeverity: 0.3, maxSeverity: 1 };
const PLANT_SECONDS = 32;

let engine: Engine;
let store: Store;
let live: LiveViews;
let host: ConsoleHost;
let plant: DemoPlant;
let advance: () => Promise<void>;
let vic = '';
/** The engine's latest window per asset, as the test itself sees it (to check what the view shows of it). */
const lastWindow = new Map<string, AnalysedWindow>();
/** The same console without a live view, as a host built before this method existed would be. */
let bare: ConsoleHost;
let bareVic = '';

beforeAll(async () => {
  const t = { ms: START_MS };
  const clock = (): number => t.ms;
  const machines = DEMO_MACHINES.filter((m) => m.assetId === 'pump-101' || m.assetId === 'pump-102');
  plant = new DemoPlant({ seed: 7, startMs: START_MS, machines, faultSchedule: [FAULT] });
  store = openStore(join(dir, 'live.sqlite'));
  engine = await Engine.create({ assets: plant.assets(), clock, actuator: new RecordingActuator(clock), store: (op) => store.writer.enqueue(op), seed: 7, snapshots: { preMs: 0, postMs: 0 } });
  live = new LiveViews(engine, clock);
  engine.onWindow((w) => lastWindow.set(w.assetId, w));
  const board = new AlarmBoard(() => {});
  engine.on((e) => board.onEngineEvent(e));
  await store.writer.flush();
  const accounts = new Accounts(store.db, { scryptParams: FAST_SCRYPT, nowMs: clock });
  const actions = new OperatorActions(engine, store.repo, accounts, board, clock);
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock, backtest: async () => { throw new Error('no backtest in this test'); } });
  configs.start();
  await accounts.createFirstAdmin('ada', 'correct horse battery');
  await accounts.createUser({ userName: 'ada' }, { userName: 'vic', role: 'viewer', secretKind: 'password', secret: 'just-looking-1234' });
  host = new ConsoleHost({ engine, board, accounts, actions, configs, store, live }, { clock });
  const r = await host.signIn({ userName: 'vic', secret: 'just-looking-1234' }, { remote: false });
  if (!r.ok) throw new Error(r.reason);
  vic = r.reply.token;
  bare = new ConsoleHost({ engine, board, accounts, actions, configs, store }, { clock });
  const b = await bare.signIn({ userName: 'vic', secret: 'just-looking-1234' }, { remote: false });
  bareVic = b.ok ? b.reply.token : '';
  advance = async () => {
    for (const f of plant.nextFrames()) await engine.push(f);
    t.ms = plant.nextStartMs;
  };
  while (plant.nextStartMs < START_MS + PLANT_SECONDS * 1000) await advance();
  await engine.settle();
}, 180_000);

afterAll(async () => {
  live?.dispose();
  await engine?.dispose();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request as a front end sends it, the reply as it crosses the wire (JSON), its value parsed with the contract. */
async function liveOf(assetId: string, channelId?: string): Promise<LiveView> {
  const reply = JSON.parse(JSON.stringify(await host.handle(vic, { id: `live-${assetId}-${Math.random()}`, method: 'asset.live', assetId, ...(channelId ? { channelId } : {}) }))) as ConsoleReply;
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return LiveViewSchema.parse(reply.value);
}

const freqOf = (s: LiveSpectrum, k: number): number => s.startHz + k * s.stepHz;
/** The strongest value of a spectrum and its frequency. */
function peak(s: LiveSpectrum): { freqHz: number; amplitudeG: number } {
  let best = 0;
  for (let k = 1; k < s.amplitudeG.length; k++) if (s.amplitudeG[k]! > s.amplitudeG[best]!) best = k;
  return { freqHz: freqOf(s, best), amplitudeG: s.amplitudeG[best]! };
}
/** The largest value within ±tolHz of freqHz, over the median of the whole spectrum (how far a line stands out of the floor). */
function lineOverFloor(s: LiveSpectrum, freqHz: number, tolHz: number): number {
  const near = s.amplitudeG.filter((_, k) => Math.abs(freqOf(s, k) - freqHz) <= tolHz);
  const sorted = [...s.amplitudeG].sort((a, b) => a - b);
  return Math.max(...near) / sorted[Math.floor(sorted.length / 2)]!;
}
const marker = (c: LiveChannel, label: string): number => c.markers.find((m) => m.label === label)!.freqHz;

describe('asset.live on the simulated plant', () => {
  it('given an outer-race spall on pump-101, then its envelope spectrum peaks at the BPFO marker, and the healthy pump-102 shows no such line', async () => {
    const faulty = (await liveOf('pump-101')).channels[0]!;
    const healthy = (await liveOf('pump-102')).channels[0]!;
    const bpfo = marker(faulty, 'BPFO');
    const shaftHz = faulty.shaftHz!;
    expect(bpfo).toBeCloseTo(DEMO_MACHINES[0]!.bearing.multiples!.bpfo * shaftHz, 1);
    const envPeak = peak(faulty.envelope!);
    const tolHz = Math.max(0.02 * bpfo, faulty.envelope!.stepHz);
    console.log(`pump-101: BPFO marker ${bpfo} Hz, envelope peak ${envPeak.freqHz.toFixed(2)} Hz (${envPeak.amplitudeG} g), tolerance ±${tolHz.toFixed(2)} Hz; BPFO line/floor ${lineOverFloor(faulty.envelope!, bpfo, tolHz).toFixed(1)} vs healthy pump-102 ${lineOverFloor(healthy.envelope!, marker(healthy, 'BPFO'), tolHz).toFixed(1)}`);
    expect(Math.abs(envPeak.freqHz - bpfo)).toBeLessThanOrEqual(tolHz);
    expect(lineOverFloor(faulty.envelope!, bpfo, tolHz)).toBeGreaterThan(5 * lineOverFloor(healthy.envelope!, marker(healthy, 'BPFO'), tolHz));
  });


  it('given a 4096-sample window, then every series is bounded and columnar: the waveform min/max-decimated with its extremes kept, the spectra peak-held, five minutes of trend at most', async () => {
    const v = await liveOf('pump-101');
    expect(v.channels.map((c) => c.channelId)).toEqual([DEMO_CHANNEL_ID]);
    const c = v.channels[0]!;
    const w = lastWindow.get('pump-101')!;
    expect(c.lastWindowMs).toBe(w.endMs);
    // Arrival on the engine clock: the windows were pushed as the plant's clock advanced.
    expect(c.receivedMs).toBeGreaterThanOrEqual(w.endMs - 100);
    expect(c.receivedMs).toBeLessThanOrEqual(v.atMs);
    expect(c.quality).toBe('good');
    expect(c.note).toBeNull();
    const wf = c.waveform!;
    expect({ endMs: wf.endMs, sampleRateHz: wf.sampleRateHz, sampleCount: wf.sampleCount, points: wf.index.length }).toEqual({ endMs: w.endMs, sampleRateHz: DEMO_SAMPLE_RATE_HZ, sampleCount: 4096, points: LIVE_MAX_POINTS });
    // The largest impact of the window survives decimation, at its own sample index.
    const samples = Array.from(w.samples);
    const iMax = samples.indexOf(Math.max(...samples));
    expect(wf.index).toContain(iMax);
    expect(wf.valueG[wf.index.indexOf(iMax)]).toBeCloseTo(samples[iMax]!, 3);
    expect(wf.index.every((x, k) => k === 0 || x > wf.index[k - 1]!)).toBe(true);
    // 2049 bins of 3.125 Hz, from bin 2 on, held in pairs: 1024 values 6.25 Hz apart, up to Nyquist.
    expect({ binHz: c.spectrum!.binHz, stepHz: c.spectrum!.stepHz, startHz: c.spectrum!.startHz, values: c.spectrum!.amplitudeG.length }).toEqual({ binHz: 3.125, stepHz: 6.25, startHz: 7.8125, values: 1024 });
    // The envelope spectrum at full resolution up to 3.5 × the highest defect frequency (BPFI).
    expect(c.envelope!.stepHz).toBe(3.125);
    expect(freqOf(c.envelope!, c.envelope!.amplitudeG.length - 1)).toBeGreaterThanOrEqual(3.5 * marker(c, 'BPFI'));
    expect(c.envelope!.amplitudeG.length).toBeLessThan(LIVE_MAX_POINTS);
    expect(c.envelope!.bandHighHz).toBeGreaterThan(c.envelope!.bandLowHz);
    // One trend point per 250 ms of plant time so far (the buffer holds five minutes).
    expect(c.trend.bucketMs).toBe(TREND_BUCKET_MS);
    expect(c.trend.tMs.length).toBeGreaterThanOrEqual((PLANT_SECONDS * 1000) / TREND_BUCKET_MS - 3);
    expect(c.trend.tMs.length).toBeLessThanOrEqual(Math.min(TREND_POINTS, (PLANT_SECONDS * 1000) / TREND_BUCKET_MS));
    expect([c.trend.score.length, c.trend.velocityMmS.length]).toEqual([c.trend.tMs.length, c.trend.tMs.length]);
    // Commissioning windows carry no score; the last points carry the latest one.
    expect(c.trend.score[0]).toBeNull();
    expect(c.trend.score.at(-1)).toBe(c.score);
    expect(c.markers.map((m) => m.label)).toEqual(['1x', 'BPFI', 'BPFO', 'BSF', 'FTF']);
    expect(marker(c, '1x')).toBe(c.shaftHz);
  });

  it('given the spall, then the view says danger against the levels in force, diagnoses the outer race, and the drivers of the score add up to the production score', async () => {
    const v = await liveOf('pump-101');
    const c = v.channels[0]!;
    expect({ level: v.level, latched: v.latched, operatingState: v.operatingState }).toEqual({ level: 'danger', latched: true, operatingState: 'running' });
    expect(c.levels).toEqual([
      { groupId: 'score', quantity: 'score', alert: 1, danger: 3, tripMultiply: 1 },
      { groupId: 'velocity', quantity: 'velocityMmS', alert: 4.5, danger: 7.1, tripMultiply: 1 },
    ]);
    expect(c.score!).toBeGreaterThan(3);
    expect(v.diagnosis).toMatchObject({ source: 'alarm', fault: 'outer_race' });
    expect(v.diagnosis!.evidence[0]).toMatchObject({ feature: 'env_bpfo_rel', freqHz: marker(c, 'BPFO') });
    const k = c.contributions!;
    expect(k.modelVersion).toBe(v.modelVersion);
    // The fp32 reference of the int8 production model: the same score to within 5 %.
    expect(Math.abs(k.referenceScore - c.score!) / c.score!).toBeLessThan(0.05);
    expect(k.features).toHaveLength(13);
    expect(k.features.reduce((a, f) => a + f.share, 0) + k.latentShare).toBeCloseTo(1, 2);
    expect(k.features.every((f, i) => i === 0 || f.share <= k.features[i - 1]!.share)).toBe(true);
    // The BPFO line over the envelope floor is far outside its commissioning spread.
    expect(k.features.find((f) => f.feature === 'log10_env_bpfo_rel')!.deviation).toBeGreaterThan(5);

    const h = await liveOf('pump-102');
    expect({ level: h.level, source: h.diagnosis?.source, fault: h.diagnosis?.fault }).toEqual({ level: 'normal', source: 'recent', fault: 'unknown' });
    const hk = h.channels[0]!.contributions!;
    expect(hk.referenceScore).toBeLessThan(1);
    expect(Math.abs(hk.referenceScore - h.channels[0]!.score!)).toBeLessThan(0.05);
  });

  it('given repeated requests, then a window is built into a view once, and the next window replaces it', async () => {
    const a = live.view('pump-101')!.channels[0]!;
    const b = live.view('pump-101')!.channels[0]!;
    expect(b.waveform).toBe(a.waveform);
    expect(b.envelope).toBe(a.envelope);
    await advance();
    const c = live.view('pump-101')!.channels[0]!;
    expect(c.lastWindowMs!).toBeGreaterThan(a.lastWindowMs!);
    expect(c.waveform).not.toBe(a.waveform);
    expect(c.waveform!.endMs).toBe(c.lastWindowMs);
  });

  it('given an unknown asset or channel, a malformed request or a host without live data, then the reply says so and a viewer reads the rest', async () => {
    const ask = (raw: unknown, h = host, token = vic): Promise<ConsoleReply> => h.handle(token, raw);
    expect(await ask({ id: 'u1', method: 'asset.live', assetId: 'pump-999' })).toEqual({ type: 'reply', id: 'u1', ok: false, error: { code: 'not_found', message: 'unknown asset pump-999' } });
    expect(await ask({ id: 'u2', method: 'asset.live', assetId: 'pump-101', channelId: 'nde_accel' })).toEqual({ type: 'reply', id: 'u2', ok: false, error: { code: 'not_found', message: 'asset pump-101 has no waveform channel nde_accel' } });
    expect(await ask({ id: 'u3', method: 'asset.live' })).toMatchObject({ id: 'u3', ok: false, error: { code: 'bad_request', message: expect.stringMatching(/^asset\.live: assetId/) } });
    expect(await ask({ id: 'u4', method: 'asset.live', assetId: 101 })).toMatchObject({ id: 'u4', ok: false, error: { code: 'bad_request', message: expect.stringMatching(/assetId/) } });
    expect(await ask({ id: 'u5', method: 'asset.live', assetId: 'pump-101', channelId: '' })).toMatchObject({ id: 'u5', ok: false, error: { code: 'bad_request', message: expect.stringMatching(/channelId/) } });
    expect(await ask({ id: 'u6', method: 'asset.live', assetId: 'pump-101' }, bare, bareVic)).toMatchObject({ id: 'u6', ok: false, error: { code: 'unavailable' } });
    expect(await ask({ id: 'u7', method: 'asset.live', assetId: 'pump-101' }, host, 'f'.repeat(64))).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    const one = await liveOf('pump-102', DEMO_CHANNEL_ID);
    expect(one.channels.map((c) => c.channelId)).toEqual([DEMO_CHANNEL_ID]);
  });
});
