import { afterEach, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import type { AssetConfig, EngineEvent } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { demoAssetConfig, demoMachines } from '../../../engine/ingest/demoMachines';
import { defaultLearnSpacingMs } from '../../../engine/monitor/AssetMonitor';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { modelSourceFromRecord, type ModelSource } from '../../../engine/monitor/commission';
import type { StoreOp } from '../../../engine/store/storeOps';
import { modelVersionId } from '../../../engine/model/modelVersion';
import { vectorAsset } from '../../support/vectorAsset';

const ASSET = 'press-7';
const CH = 'f';
const asset: AssetConfig = vectorAsset({ assetId: ASSET, channels: { [CH]: ['rms', 'kurtosis', 'crest', 'temp'] }, commissioningWindows: 60, learning: { promoteEveryWindows: 60, heldOutEvery: 5 } });

/** A steady machine: four correlated features with noise; `fault` (0..1) raises kurtosis and crest. */
function machine(seed: number): (fault?: number) => Float32Array {
  const u = new SeededUniform(seed);
  const g = (): number => Math.sqrt(-2 * Math.log(1 - u.next())) * Math.cos(2 * Math.PI * u.next());
  return (fault = 0) => {
    const load = g();
    return Float32Array.from([1 + 0.05 * load + 0.01 * g(), 3 + 0.1 * g() + 4 * fault, 4 + 0.05 * load + 0.05 * g() + 3 * fault, 40 + 0.5 * load + 0.2 * g()]);
  };
}

interface Run {
  engine: Engine;
  events: EngineEvent[];
  ops: StoreOp[];
  scores: Array<{ atMs: number; version: string; score: number }>;
  feed: (vectors: Float32Array[]) => Promise<void>;
  t: number;
}

const open: Engine[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.dispose();
});

async function start(config: AssetConfig = asset): Promise<Run> {
  const events: EngineEvent[] = [];
  const ops: StoreOp[] = [];
  const scores: Run['scores'] = [];
  let clockMs = 1_000_000;
  const engine = await Engine.create({ assets: [config], clock: () => clockMs, actuator: new RecordingActuator(() => clockMs), store: (op) => ops.push(op) });
  open.push(engine);
  engine.on((e) => {
    events.push(e);
    if (e.type === 'ScoreComputed' && e.modelVersion !== 'commissioning') scores.push({ atMs: e.endMs, version: e.modelVersion, score: e.score });
  });
  const run: Run = {
    engine,
    events,
    ops,
    scores,
    t: 0,
    feed: async (vectors) => {
      for (const values of vectors) {
        run.t += 1000;
        clockMs = 1_000_000 + run.t;
        const r = engine.acceptVector({ assetId: ASSET, channelId: CH, atMs: clockMs, values });
        if (!r.ok) throw new Error(`rejected: ${JSON.stringify(r)}`);
        // Settle now and then only: scoring runs while promotions are prepared.
        if (run.t % 7000 === 0) await engine.settle();
      }
      await engine.settle();
    },
  };
  return run;
}

/** The model source a saveModelVersion op describes, rebuilt from its stored JSON as a rollback or restart does. */
function sourceFromOp(ops: StoreOp[], version: string): ModelSource {
  const op = ops.find((o) => o.kind === 'saveModelVersion' && o.model.versionId === version);
  if (op?.kind !== 'saveModelVersion') throw new Error(`no saved version ${version}`);
  const m = op.model;
  const src = modelSourceFromRecord({ versionId: m.versionId, onnx: m.onnx, params: JSON.parse(JSON.stringify(m.params)), windows: m.windows, parentVersion: m.parentVersion ?? null, precision: m.precision ?? null, regime: m.regime ?? null });
  expect(modelVersionId(src.onnx)).toBe(version);
  return src;
}

describe('model lifecycle: shadow learning, promotion, rollback, feedback (real learner thread, real ONNX runtime)', () => {
  it('given a normal stream, when the shadow is promoted while windows are scored, then each window is scored wholly by one version, versions change only at promotions, and replaying the windows through a stored version gives the same scores bit for bit', async () => {
    const run = await start();
    const next = machine(1);
    const stream = Array.from({ length: 360 }, () => next());
    await run.feed(stream);
    const promoted = run.events.filter((e) => e.type === 'ModelPromoted');
    expect(promoted.length).toBeGreaterThanOrEqual(3);
    expect(promoted[0]).toMatchObject({ trigger: 'commissioning', fromVersion: null });
    expect(promoted.slice(1).every((e) => e.type === 'ModelPromoted' && e.trigger === 'schedule' && e.validation?.passed === true && e.validation.heldOutWindows > 0)).toBe(true);
    // The versions seen by the scores, in order, are exactly the promoted versions, in order.
    const seen = run.scores.map((s) => s.version).filter((v, i, a) => i === 0 || a[i - 1] !== v);
    expect(seen).toEqual(promoted.map((e) => (e.type === 'ModelPromoted' ? e.toVersion : '')));
    // Registry lineage: each promotion names its parent, and every version is stored with int8 bytes.
    const versions = run.ops.filter((o) => o.kind === 'saveModelVersion');
    expect(versions.length).toBe(promoted.length);
    for (const [i, e] of promoted.entries()) {
      if (e.type !== 'ModelPromoted') continue;
      const op = versions.find((o) => o.kind === 'saveModelVersion' && o.model.versionId === e.toVersion);
      expect(op?.kind === 'saveModelVersion' && op.model.parentVersion).toBe(i === 0 ? null : (promoted[i - 1] as { toVersion: string }).toVersion);
      expect(op?.kind === 'saveModelVersion' && op.model.precision).toBe('int8');
    }
    expect(run.ops.filter((o) => o.kind === 'recordPromotion').length).toBe(promoted.length);

    // Bit-for-bit replay: a fresh engine holding the second version, fed the same vectors, scores them identically.
    const v2 = (promoted[1] as { toVersion: string }).toVersion;
    // Learning off in the replay: the engine must keep scoring with exactly the installed version.
    const replay = await start({ ...asset, learning: { enabled: false } });
    await replay.engine.installModel(ASSET, CH, sourceFromOp(run.ops, v2), false);
    await replay.feed(stream);
    const original = run.scores.filter((s) => s.version === v2);
    const again = replay.scores.filter((s) => original.some((o) => o.atMs === s.atMs));
    expect(new Set(replay.scores.map((s) => s.version))).toEqual(new Set([v2]));
    expect(again.length).toBe(original.length);
    expect(again.map((s) => s.score)).toEqual(original.map((s) => s.score));
  }, 120_000);

  it('given promotions, when an engineer rolls back to the commissioned version, then the next windows are scored by it and the rollback is recorded with who and why', async () => {
    const run = await start();
    const next = machine(2);
    await run.feed(Array.from({ length: 200 }, () => next()));
    const first = run.events.find((e) => e.type === 'ModelPromoted');
    if (first?.type !== 'ModelPromoted') throw new Error('no commissioning');
    expect(run.engine.monitor(ASSET)!.modelVersion).not.toBe(first.toVersion);
    const version = await run.engine.rollback(ASSET, CH, sourceFromOp(run.ops, first.toVersion), 'erin', 'new version alarms on the cold start');
    expect(version).toBe(first.toVersion);
    // A registry row whose weights were tampered with is refused, and production stays as it is.
    const op = run.ops.find((o) => o.kind === 'saveModelVersion' && o.model.versionId === first.toVersion);
    if (op?.kind !== 'saveModelVersion') throw new Error('missing version');
    const tampered = JSON.parse(JSON.stringify(op.model.params)) as { model: { threshold: number } };
    tampered.model.threshold *= 2;
    expect(() => modelSourceFromRecord({ versionId: op.model.versionId, onnx: op.model.onnx, params: tampered, windows: 1, parentVersion: null, precision: 'int8', regime: null })).toThrow(/does not rebuild to its own bytes/);
    expect(() => modelSourceFromRecord({ versionId: op.model.versionId, onnx: op.model.onnx, params: { model: { kind: 'nonsense' } }, windows: 1, parentVersion: null, precision: 'int8', regime: null })).toThrow(/corrupt weights/);
    const before = run.scores.length;
    await run.feed(Array.from({ length: 10 }, () => next()));
    expect(run.scores.slice(before).every((s) => s.version === first.toVersion)).toBe(true);
    const rec = run.ops.filter((o) => o.kind === 'recordPromotion').at(-1);
    expect(rec?.kind === 'recordPromotion' && rec.promotion).toMatchObject({ kind: 'rollback', by: 'erin', toVersion: first.toVersion, reason: 'new version alarms on the cold start' });
  }, 120_000);

  it('given a fault that develops slowly below alert, then the drift detector pauses learning, the fault is not learned as normal, and a later candidate still alarms on it', async () => {
    const run = await start();
    const next = machine(3);
    await run.feed(Array.from({ length: 150 }, () => next()));
    const lc = run.engine.monitor(ASSET)!.lifecycle(CH);
    const learnedBefore = lc.counts.learned;
    expect(learnedBefore).toBeGreaterThan(0);
    // The fault grows over 300 windows, from nothing to well past alert.
    const faulty = Array.from({ length: 300 }, (_, i) => next(0.6 * (i / 300) ** 2));
    await run.feed(faulty);
    const drift = run.events.find((e) => e.type === 'DriftDetected');
    expect(drift).toMatchObject({ kind: 'suspected_fault', action: 'learning_paused' });
    expect(lc.paused).not.toBeNull();
    const alarm = run.events.find((e) => e.type === 'AlarmLevelChanged' && e.to !== 'normal');
    expect(alarm).toBeDefined();
    // Learning stopped before the alarm: nothing after the pause reached the shadow.
    const pausedAt = (drift as { atMs: number }).atMs;
    expect(pausedAt).toBeLessThan((alarm as { atMs: number }).atMs);
    const learnedAtEnd = lc.counts.learned;
    await run.feed(Array.from({ length: 50 }, () => next(0.6)));
    expect(lc.counts.learned).toBe(learnedAtEnd);
    // A candidate built from the shadow now still alarms on the developed fault.
    const outcome = await run.engine.promote(ASSET, 'test', 'check the shadow after a fault');
    const lastFault = faulty.slice(-20);
    const model = run.engine.monitor(ASSET)!.model(CH)!;
    const scores = await model.scorer.scoreBatch(pack(lastFault.map((v) => Float32Array.from(v, (x, j) => (j === 0 ? Math.log10(x) : x)))), lastFault.length);
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(1);
    expect(outcome.length).toBe(1);
  }, 120_000);

  it('given operator feedback, a false alarm is learned and promoted at once, a confirmed fault is stored and never learned, and an unknown incident is refused', async () => {
    const run = await start();
    const next = machine(4);
    await run.feed(Array.from({ length: 100 }, () => next()));
    await expect(run.engine.feedback({ assetId: ASSET, incidentId: 'inc-nope', verdict: 'false_alarm', by: 'olga' })).rejects.toThrow(/unknown incident inc-nope/);
    await expect(run.engine.feedback({ assetId: 'nope', incidentId: 'x', verdict: 'false_alarm', by: 'olga' })).rejects.toThrow(/unknown asset nope/);

    // A short excursion that is in fact normal (a new product on the press): alert, then back to normal.
    const excursion = Array.from({ length: 12 }, () => Float32Array.from(next(), (v, j) => (j === 3 ? v + 3 : v)));
    await run.feed([...excursion, ...Array.from({ length: 5 }, () => next())]);
    const opened = run.ops.find((o) => o.kind === 'openIncident');
    if (opened?.kind !== 'openIncident') throw new Error('the excursion raised no incident');
    const worstBefore = Math.max(...run.scores.slice(-17, -5).map((s) => s.score));
    expect(worstBefore).toBeGreaterThanOrEqual(1);
    const fb = await run.engine.feedback({ assetId: ASSET, incidentId: opened.incident.id, verdict: 'false_alarm', by: 'olga', note: 'new product' });
    expect(fb.windows).toBeGreaterThan(0);
    expect(fb.promotion).toMatchObject({ promoted: true });
    const promo = run.events.filter((e) => e.type === 'ModelPromoted').at(-1);
    expect(promo).toMatchObject({ trigger: 'feedback', by: 'olga' });
    const stored = run.ops.find((o) => o.kind === 'insertFeedback');
    expect(stored?.kind === 'insertFeedback' && stored.feedback).toMatchObject({ verdict: 'false_alarm', by: 'olga', incidentId: opened.incident.id });
    // The same excursion now scores lower.
    const before = run.scores.length;
    await run.feed(excursion.map((v) => Float32Array.from(v)));
    const worstAfter = Math.max(...run.scores.slice(before).map((s) => s.score));
    expect(worstAfter).toBeLessThan(worstBefore);

    // A real fault: confirmed by the operator, stored with its windows, and every later candidate must still alarm on it.
    await run.feed(Array.from({ length: 20 }, () => next()));
    const faultStart = run.ops.filter((o) => o.kind === 'openIncident').length;
    await run.feed([...Array.from({ length: 10 }, () => next(0.5)), ...Array.from({ length: 5 }, () => next())]);
    const faultIncident = run.ops.filter((o) => o.kind === 'openIncident')[faultStart];
    if (faultIncident?.kind !== 'openIncident') throw new Error('the fault raised no incident');
    const learned = run.engine.monitor(ASSET)!.lifecycle(CH).counts.learned;
    const confirmed = await run.engine.feedback({ assetId: ASSET, incidentId: faultIncident.incident.id, verdict: 'confirmed_fault', by: 'olga' });
    expect(confirmed.promotion).toBeNull();
    expect(run.engine.monitor(ASSET)!.lifecycle(CH).counts.learned).toBe(learned);
    const [outcome] = await run.engine.promote(ASSET, 'olga', 'after the confirmed fault');
    expect(outcome!.validation).toMatchObject({ confirmedFaults: 1, confirmedFaultsAlarmed: 1 });

    // Conflicting feedback: the same fault pattern again, this time marked a false alarm. The shadow
    // learns it, so its candidate no longer alarms on the confirmed fault: validation refuses it and
    // production keeps the model it had.
    expect(run.engine.resetLatch(ASSET, 'erin')).toEqual({ ok: true });
    await run.feed(Array.from({ length: 20 }, () => next()));
    const againStart = run.ops.filter((o) => o.kind === 'openIncident').length;
    await run.feed([...Array.from({ length: 10 }, () => next(0.5)), ...Array.from({ length: 5 }, () => next())]);
    const again = run.ops.filter((o) => o.kind === 'openIncident')[againStart];
    if (again?.kind !== 'openIncident') throw new Error('the repeated fault raised no incident');
    const production = run.engine.monitor(ASSET)!.modelVersion;
    const conflicting = await run.engine.feedback({ assetId: ASSET, incidentId: again.incident.id, verdict: 'false_alarm', by: 'pat' });
    expect(conflicting.promotion).toMatchObject({ promoted: false });
    expect(conflicting.promotion?.validation).toMatchObject({ passed: false, confirmedFaults: 1, confirmedFaultsAlarmed: 0 });
    expect(run.events.filter((e) => e.type === 'ModelPromotionRejected').at(-1)).toMatchObject({ trigger: 'feedback' });
    expect(run.engine.monitor(ASSET)!.modelVersion).toBe(production);
    // The shadow's suspect learning was discarded: it is production's weights again.
    const [retry] = await run.engine.promote(ASSET, 'pat', 'retry');
    expect(retry).toMatchObject({ promoted: false, reason: expect.stringMatching(/has not changed/) });
  }, 120_000);

  it('given a learning spacing of 3 s on a channel with a window every second, then only every third normal window is taken (learned or held out), and a waveform channel defaults to its window length', async () => {
    const spaced = await start(vectorAsset({ assetId: ASSET, channels: { [CH]: ['rms', 'kurtosis', 'crest', 'temp'] }, commissioningWindows: 60, learning: { promoteEveryWindows: 1_000_000, heldOutEvery: 5, learnSpacingMs: 3000 } }));
    const every = await start(vectorAsset({ assetId: ASSET, channels: { [CH]: ['rms', 'kurtosis', 'crest', 'temp'] }, commissioningWindows: 60, learning: { promoteEveryWindows: 1_000_000, heldOutEvery: 5 } }));
    const next = machine(5);
    const stream = Array.from({ length: 360 }, () => next());
    await spaced.feed(stream);
    await every.feed(stream);
    const taken = (r: Run): number => {
      const c = r.engine.monitor(ASSET)!.lifecycle(CH).counts;
      return c.learned + c.heldOut;
    };
    // Learning batches go to the learner 8 at a time: up to 7 taken windows may still wait in the batch.
    expect(taken(every)).toBeGreaterThan(200);
    expect(taken(spaced)).toBeGreaterThanOrEqual(Math.floor(taken(every) / 3) - 8);
    expect(taken(spaced)).toBeLessThanOrEqual(Math.ceil(taken(every) / 3) + 8);
    // Scores are unchanged by the spacing until the first promotion (none here): learning only feeds the shadow.
    expect(spaced.scores.map((x) => x.score)).toEqual(every.scores.map((x) => x.score));
    // The defaults: a demo machine's 4096-sample windows at 12.8 kHz are 320 ms long; a vector channel takes every snapshot.
    const demo = demoAssetConfig(demoMachines(1)[0]!);
    expect(defaultLearnSpacingMs(demo, demo.channels[0]!.channelId)).toBe(320);
    expect(defaultLearnSpacingMs(asset, CH)).toBe(0);
  });
});

function pack(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.length * vectors[0]!.length);
  vectors.forEach((v, i) => out.set(v, i * v.length));
  return out;
}
