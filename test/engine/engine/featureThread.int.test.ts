import { describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import type { EngineEvent } from '../../../engine/contract';
import type { FeatureSet } from '../../../engine/contract/features';
import { Engine } from '../../../engine/engine';
import type { FeatureThread } from '../../../engine/features/FeatureThread';
import { DemoPlant } from '../../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../../engine/ingest/demoMachines';

/**
 * pump-101 and fan-201 of the simulator, pump-101 developing an outer-race fault until it trips;
 * everything the engine said. `killAt`: the frame period at which the first feature thread is
 * killed, as a crash would, with windows still in it.
 */
async function run(featureThreads: number, killAt = -1) {
  const machines = DEMO_MACHINES.filter((m) => m.assetId === 'pump-101' || m.assetId === 'fan-201');
  const plant = new DemoPlant({ seed: 3, startMs: Date.UTC(2026, 0, 1), machines, faultSchedule: [{ assetId: 'pump-101', kind: 'outer_race', onsetSec: 20, growthTauSec: 4, initialSeverity: 0.05, maxSeverity: 1 }] });
  const actuator = new RecordingActuator(() => 0);
  const engine = await Engine.create({ assets: plant.assets(), clock: () => 0, actuator, featureThreads });
  const windows: Array<{ channel: string; endMs: number; features: FeatureSet; samples: number[] }> = [];
  engine.onWindow((w) => windows.push({ channel: `${w.assetId}/${w.channelId}`, endMs: w.endMs, features: w.features, samples: Array.from(w.samples.subarray(0, 4)) }));
  const events: EngineEvent[] = [];
  engine.on((e) => events.push(e));
  try {
    // Frames go in without waiting for each window's decision, as a live source delivers them.
    for (let i = 0; i < 600 && actuator.trips().length === 0; i++) {
      for (const f of plant.nextFrames()) engine.accept(f);
      // Reached through the private field: nothing in the product kills its own thread.
      if (i === killAt) void (engine as unknown as { featureThreads: FeatureThread[] }).featureThreads[0]!.terminate();
      if (i % 10 === 9) await engine.settle();
    }
    await engine.settle();
    const trips = actuator.trips().map((t) => ({ assetId: t.assetId, decidedAtMs: t.decidedAtMs, reason: t.reason }));
    return { windows, events, trips, errors: engine.errorCount, lastError: engine.lastError, health: engine.featureThreadHealth() };
  } finally {
    await engine.dispose();
  }
}

type Run = Awaited<ReturnType<typeof run>>;
/** The run on the engine's thread alone, which both tests compare with (run once). */
let inlineRun: Promise<Run> | null = null;
const inline = (): Promise<Run> => (inlineRun ??= run(0));

describe('features in a thread of their own (EngineOptions.featureThreads)', () => {
  /** Each channel's windows (features, first samples) in the order cut, and each asset's decisions in order, are the same in both runs. */
  function expectSameDecisions(threaded: Run, alone: Run): void {
    expect(alone.trips).toHaveLength(1);
    expect(threaded.trips).toEqual(alone.trips);
    expect(threaded.windows.length).toBe(alone.windows.length);
    // Each channel's windows in the order cut; channels on different threads may finish in another order.
    const byChannel = (r: Run) => [...r.windows].sort((a, b) => a.channel.localeCompare(b.channel));
    expect(byChannel(threaded)).toEqual(byChannel(alone));
    // Per asset, in order: the assets' decisions may interleave differently, each asset's may not.
    for (const assetId of ['pump-101', 'fan-201']) {
      const decisions = (r: Run) =>
        r.events.flatMap((e) => {
          if (!('assetId' in e) || e.assetId !== assetId) return [];
          if (e.type === 'ScoreComputed') return [[e.type, e.channelId, e.endMs, e.score, e.velocityRmsMmS, e.level]];
          if (e.type === 'AlarmLevelChanged') return [[e.type, e.atMs, e.from, e.to, e.source]];
          if (e.type === 'TripRequested') return [[e.type, e.decidedAtMs, e.source, e.value]];
          return [];
        });
      expect(decisions(threaded)).toEqual(decisions(alone));
    }
  }

  it('given the same plant, then the windows of every channel have the same features in the same order, and every score, level and trip is the same as on the engine thread', async () => {
    const threaded = await run(2);
    expect(threaded.errors).toBe(0);
    expect(threaded.health).toEqual({ threads: 2, dead: [], windowsRecovered: 0 });
    expectSameDecisions(threaded, await inline());
    const scores = threaded.events.filter((e) => e.type === 'ScoreComputed' && Number.isFinite(e.score)).length;
    console.log(`feature thread: ${threaded.windows.length} windows, ${scores} model scores, trip of ${threaded.trips[0]!.assetId} at the same window as inline`);
  }, 180_000);

  it('given a feature thread killed mid-run with windows in it, then the engine extracts those and the later ones itself: no window lost, the same decisions and trip, the death counted with its reason', async () => {
    const killed = await run(2, 205);
    expect(killed.health.dead).toEqual([expect.stringMatching(/exited/)]);
    expect(killed.health.windowsRecovered).toBeGreaterThan(0);
    expect(killed.errors).toBe(1);
    expect(String(killed.lastError)).toMatch(/the feature thread exited/);
    expectSameDecisions(killed, await inline());
    console.log(`feature thread killed at frame period 205: ${killed.health.windowsRecovered} windows in it recovered, ${killed.windows.length} windows decided as inline`);
  }, 180_000);
});
