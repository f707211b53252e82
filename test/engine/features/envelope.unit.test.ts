import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureSet } from '../../../engine/contract/features';
import { DiagnosisBaseline, diagnose, diagnoseMany } from '../../../engine/diagnose';
import { defectMultiples, FeatureExtractor, initDsp, SKF_6205_CWRU } from '../../../engine/features';
import { simulate, type FaultSim } from './simulate';

const FS_HZ = 12000;
const N = 4096;
const SHAFT_HZ = 29.95;
const mult = defectMultiples(SKF_6205_CWRU);
const healthy: Omit<FaultSim, 'seed'> = {
  sampleRateHz: FS_HZ,
  n: N,
  shaftHz: SHAFT_HZ,
  impactHz: 0,
  impactG: 1,
  resonanceHz: 3000,
  decayMs: 0.6,
  noiseG: 0.15,
  slipRel: 0.015,
  shaftModulation: 0,
};

let ex: FeatureExtractor;
let baseline: DiagnosisBaseline;

function features(sim: Partial<FaultSim>, seed: number): FeatureSet {
  return ex.extract(simulate({ ...healthy, ...sim, seed }), seed, SHAFT_HZ);
}

/** Frequency (Hz) of the strongest envelope line between 5 Hz and 600 Hz in the last window. */
function envelopePeakHz(): number {
  const e = ex.envelopeSpectrumG;
  const binHz = FS_HZ / N;
  let best = Math.ceil(5 / binHz);
  for (let k = best; k < 600 / binHz; k++) if (e[k]! > e[best]!) best = k;
  return best * binHz;
}

beforeAll(async () => {
  await initDsp();
  ex = new FeatureExtractor({ assetId: 'sim', channelId: 'de', sampleRateHz: FS_HZ, windowSize: N, bearing: SKF_6205_CWRU });
  baseline = DiagnosisBaseline.fromFeatureSets(Array.from({ length: 40 }, (_, i) => features({}, 1000 + i)));
});

describe('envelope analysis of simulated bearing faults', () => {
  it('finds an outer-race fault at BPFO and diagnoses outer_race', () => {
    const bpfoHz = mult.bpfo * SHAFT_HZ;
    const fs = features({ impactHz: bpfoHz, impactG: 0.8 }, 1);
    expect(Math.abs(envelopePeakHz() - bpfoHz)).toBeLessThan(1.5 * (FS_HZ / N));
    // The kurtogram found the 3 kHz resonance.
    expect(fs.envelope.bandLowHz).toBeLessThan(3000);
    expect(fs.envelope.bandHighHz).toBeGreaterThan(3000);
    expect(fs.envelope.bpfoG / fs.envelope.floorG).toBeGreaterThan(5 * (fs.envelope.bpfiG / fs.envelope.floorG) / 2);
    const d = diagnose(fs, baseline, mult);
    expect(d.fault).toBe('outer_race');
    expect(d.confidence).toBeGreaterThan(0.5);
    expect(d.evidence[0]).toMatchObject({ feature: 'env_bpfo_rel', freqHz: bpfoHz });
    expect(d.evidence[0]!.ratio).toBeGreaterThan(3);
  });

  it('finds an inner-race fault (modulated at shaft speed) at BPFI and diagnoses inner_race', () => {
    const bpfiHz = mult.bpfi * SHAFT_HZ;
    const fs = features({ impactHz: bpfiHz, impactG: 0.8, shaftModulation: 0.8 }, 2);
    expect(Math.abs(envelopePeakHz() - bpfiHz)).toBeLessThan(1.5 * (FS_HZ / N));
    const d = diagnose(fs, baseline, mult);
    expect(d.fault).toBe('inner_race');
    expect(d.evidence[0]!.feature).toBe('env_bpfi_rel');
  });

  it('aggregates weak faults over windows: diagnoseMany beats single windows', () => {
    const bpfoHz = mult.bpfo * SHAFT_HZ;
    const fss = Array.from({ length: 8 }, (_, i) => features({ impactHz: bpfoHz, impactG: 0.35 }, 50 + i));
    const agg = diagnoseMany(fss, baseline, mult, 8);
    expect(agg.fault).toBe('outer_race');
  });

  it('finds nothing on healthy windows it has not seen', () => {
    const named = Array.from({ length: 20 }, (_, i) => diagnose(features({}, 3000 + i), baseline, mult)).filter(
      (d) => d.fault !== 'unknown' && d.confidence >= 0.5,
    );
    expect(named).toEqual([]);
  });

  it('diagnoses a strong 1x rise without bearing lines as imbalance_misalignment', () => {
    const x = simulate({ ...healthy, seed: 9 });
    for (let i = 0; i < N; i++) x[i]! += 0.5 * Math.sin((2 * Math.PI * SHAFT_HZ * i) / FS_HZ);
    const d = diagnose(ex.extract(x, 0, SHAFT_HZ), baseline, mult);
    expect(d.fault).toBe('imbalance_misalignment');
    expect(d.evidence[0]).toMatchObject({ feature: 'order1_g', freqHz: SHAFT_HZ });
  });

  it('keeps extraction deterministic: the same window gives the same features', () => {
    const x = simulate({ ...healthy, impactHz: 107, seed: 4 });
    expect(ex.extract(x, 5, SHAFT_HZ)).toEqual(ex.extract(x, 5, SHAFT_HZ));
  });
});

describe('DiagnosisBaseline', () => {
  it('round-trips through JSON with identical diagnoses', () => {
    const again = DiagnosisBaseline.fromJSON(JSON.parse(JSON.stringify(baseline.toJSON())));
    const fs = features({ impactHz: mult.bpfo * SHAFT_HZ, impactG: 0.5 }, 77);
    expect(diagnose(fs, again, mult)).toEqual(diagnose(fs, baseline, mult));
  });

  it('rejects a baseline missing a quantity', () => {
    const j = baseline.toJSON();
    delete j.median.env_bpfi_rel;
    expect(() => DiagnosisBaseline.fromJSON(j)).toThrow(/env_bpfi_rel/);
  });
});
