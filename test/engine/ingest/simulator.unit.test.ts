import { describe, expect, it } from 'vitest';
import { DEMO_MACHINES } from '../../../engine/ingest/demoMachines';
import { MachineSimulator, severityAt, type FaultEvent, type MachineSpec, type SimFaultKind } from '../../../engine/ingest/simulator';
import { impactSpacing, kurtosis, peakFrequency } from './support/signal';

const spec = (id: string): MachineSpec => DEMO_MACHINES.find((m) => m.assetId === id)!;
const FS = 12_800;

/** Generates [fromSec, fromSec + lenSec) of a machine (discarding what comes before). */
function segment(sim: MachineSimulator, fromSec: number, lenSec: number): Float32Array {
  const skip = Math.round(fromSec * FS) - sim.samplesGenerated;
  const scratch = new Float32Array(FS);
  for (let left = skip; left > 0; left -= FS) sim.generate(scratch, 0, Math.min(FS, left));
  const out = new Float32Array(Math.round(lenSec * FS));
  sim.generate(out);
  return out;
}

const fullFault = (assetId: string, kind: SimFaultKind): FaultEvent => ({ assetId, kind, onsetSec: 0, growthTauSec: 1, initialSeverity: 1, maxSeverity: 1 });

describe('MachineSimulator speed', () => {
  it('given a variable-speed drive, then the 1x line follows the speed profile', () => {
    const sim = new MachineSimulator(spec('mot-502'), [], 7);
    const rows = [0, 30, 60, 90, 120, 150].map((t) => {
      const x = segment(sim, t, 2);
      const expected = sim.shaftHzAt(t + 1);
      return { t, expected, error: Math.abs(peakFrequency(x, FS, 15, 25, 0.01) - expected) };
    });
    const speeds = rows.map((r) => r.expected);
    expect(Math.max(...speeds) - Math.min(...speeds)).toBeGreaterThan(2); // the profile really moves (±8 % of 20 Hz)
    expect(rows.filter((r) => r.error > 0.1)).toEqual([]);
  });

  it('given a start-up from standstill, then speed rises smoothly to nominal and the 1x line follows it', () => {
    const sim = new MachineSimulator(spec('mot-501'), [], 7);
    const nominal = spec('mot-501').speed.nominalHz;
    expect([0, 5, 10, 15, 20, 30].map((t) => +(sim.shaftHzAt(t) / nominal).toFixed(3))).toEqual([0, 0.156, 0.5, 0.844, 1, 1]);
    const mid = segment(sim, 9.75, 0.5);
    const after = segment(sim, 25, 2);
    expect({
      startUpError: Math.abs(peakFrequency(mid, FS, 5, 20, 0.05) - sim.shaftHzAt(10)) < 1,
      runningError: Math.abs(peakFrequency(after, FS, 15, 35, 0.01) - nominal) < 0.05,
    }).toEqual({ startUpError: true, runningError: true });
  });
});

describe('MachineSimulator bearing faults', () => {
  const m = spec('pump-101');
  const mult = new MachineSimulator(m, [], 1).multiples;
  const fShaft = m.speed.nominalHz;
  const cases: Array<{ kind: SimFaultKind; rate: number }> = [
    { kind: 'outer_race', rate: mult.bpfo },
    { kind: 'inner_race', rate: mult.bpfi },
    { kind: 'ball', rate: mult.bsf },
  ];

  it.each(cases)('given a grown $kind fault, then kurtosis rises and impacts repeat at its defect frequency', ({ kind, rate }) => {
    const healthy = segment(new MachineSimulator(m, [], 3), 1, 1);
    const faulty = segment(new MachineSimulator(m, [fullFault(m.assetId, kind)], 3), 1, 1);
    const period = FS / (rate * fShaft);
    const spacing = impactSpacing(faulty, Math.round(period * 0.6), Math.round(period * 1.4));
    expect({
      healthyKurtosisLow: kurtosis(healthy) < 0.5,
      faultyKurtosisHigh: kurtosis(faulty) > 2,
      spacingWithin3Percent: Math.abs(spacing - period) / period < 0.03,
    }).toEqual({ healthyKurtosisLow: true, faultyKurtosisHigh: true, spacingWithin3Percent: true });
  });

  it('given the default outer-race schedule, then the fault is absent before onset and grows afterwards', () => {
    const f: FaultEvent = { assetId: m.assetId, kind: 'outer_race', onsetSec: 20, growthTauSec: 10, initialSeverity: 0.05, maxSeverity: 1 };
    const sim = new MachineSimulator(m, [f], 5);
    const k = [10, 30, 45, 60].map((t) => kurtosis(segment(sim, t, 1)));
    expect({
      severities: [10, 20, 30, 60].map((t) => +severityAt(f, t).toFixed(3)),
      kurtosisRises: k[0]! < 0.5 && k[1]! < k[2]! && k[2]! < k[3]! && k[3]! > 3,
    }).toEqual({ severities: [0, 0.05, 0.136, 1], kurtosisRises: true });
  });

  it('given imbalance, then the 1x amplitude grows while the bearing signature stays quiet', () => {
    const fan = spec('fan-201');
    const healthy = segment(new MachineSimulator(fan, [], 2), 1, 2);
    const imbalanced = segment(new MachineSimulator(fan, [fullFault(fan.assetId, 'imbalance')], 2), 1, 2);
    const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
    expect({ rmsTripled: rms(imbalanced) > 2 * rms(healthy), kurtosisLow: kurtosis(imbalanced) < 0 }).toEqual({ rmsTripled: true, kurtosisLow: true });
  });
});

describe('MachineSimulator determinism and continuity', () => {
  it('given the same seed, then output is identical; a different seed changes it', () => {
    const f = [fullFault('pump-101', 'outer_race')];
    const a = segment(new MachineSimulator(spec('pump-101'), f, 42), 0, 0.5);
    const b = segment(new MachineSimulator(spec('pump-101'), f, 42), 0, 0.5);
    const c = segment(new MachineSimulator(spec('pump-101'), f, 43), 0, 0.5);
    expect({ same: Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), differs: !Buffer.from(a.buffer).equals(Buffer.from(c.buffer)) }).toEqual({
      same: true,
      differs: true,
    });
  });

  it('given different block sizes, then the signal is the same (phase-continuous across blocks)', () => {
    const one = new Float32Array(12_800);
    new MachineSimulator(spec('pump-102'), [fullFault('pump-102', 'outer_race')], 9).generate(one);
    const sim = new MachineSimulator(spec('pump-102'), [fullFault('pump-102', 'outer_race')], 9);
    const pieces = new Float32Array(12_800);
    for (let i = 0; i < 12_800; i += 1000) sim.generate(pieces, i, Math.min(12_800, i + 1000));
    let maxDiff = 0;
    for (let i = 0; i < one.length; i++) maxDiff = Math.max(maxDiff, Math.abs(one[i]! - pieces[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
