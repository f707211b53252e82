import { beforeAll, describe, expect, it } from 'vitest';
import { AmplitudeSpectrum, defectMultiples, initDsp, SKF_6205_CWRU, timeStats } from '../../../engine/features';
import { gauss, rng } from './simulate';

const FS_HZ = 12000;
const N = 4096;
const BIN_HZ = FS_HZ / N;

function sine(freqHz: number, ampG: number, n = N): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ampG * Math.sin((2 * Math.PI * freqHz * i) / FS_HZ);
  return x;
}

beforeAll(async () => {
  await initDsp();
});

describe('AmplitudeSpectrum', () => {
  it('reads a sine on a bin at its amplitude and frequency', () => {
    const sp = new AmplitudeSpectrum(N, FS_HZ);
    sp.compute(sine(100 * BIN_HZ, 0.7));
    let kMax = 0;
    for (let k = 1; k < sp.ampG.length; k++) if (sp.ampG[k]! > sp.ampG[kMax]!) kMax = k;
    expect(kMax).toBe(100);
    expect(kMax * BIN_HZ).toBeCloseTo(292.97, 1);
    expect(sp.ampG[kMax]).toBeCloseTo(0.7, 6);
    sp.dispose();
  });

  it('reads a sine between bins within 1 % via the main-lobe power', () => {
    const sp = new AmplitudeSpectrum(N, FS_HZ);
    sp.compute(sine(100.5 * BIN_HZ, 1));
    expect(sp.lineAmplitude(100.5 * BIN_HZ, 0.02)).toBeGreaterThan(0.95);
    expect(sp.lineAmplitude(100.5 * BIN_HZ, 0.02)).toBeLessThan(1.0);
    sp.dispose();
  });

  it('satisfies Parseval: spectral mean square equals time-domain mean square of noise', () => {
    const r = rng(7);
    const x = new Float32Array(N);
    for (let i = 0; i < N; i++) x[i] = 0.3 * gauss(r) + 0.2 * Math.sin(i * 0.05);
    const sp = new AmplitudeSpectrum(N, FS_HZ);
    sp.compute(x);
    let msSpec = 0;
    for (const v of sp.msG2) msSpec += v;
    let msTime = 0;
    for (const v of x) msTime += v * v;
    msTime /= N;
    expect(Math.sqrt(msSpec) / Math.sqrt(msTime)).toBeGreaterThan(0.97);
    expect(Math.sqrt(msSpec) / Math.sqrt(msTime)).toBeLessThan(1.03);
    sp.dispose();
  });

  it('gives ISO velocity RMS of a 1 g, 100 Hz sine: 9.80665/(2π·100)/√2 m/s = 11.04 mm/s', () => {
    const sp = new AmplitudeSpectrum(N, FS_HZ);
    sp.compute(sine(100, 1));
    const expectedMmS = (9.80665 / (2 * Math.PI * 100) / Math.SQRT2) * 1000;
    expect(expectedMmS).toBeCloseTo(11.04, 2);
    expect(sp.velocityRmsMmS(10, 1000)).toBeCloseTo(expectedMmS, 1);
    sp.compute(sine(2000, 1));
    expect(sp.velocityRmsMmS(10, 1000)).toBeLessThan(0.01);
    sp.dispose();
  });
});

describe('timeStats', () => {
  it('gives rms A/√2, crest √2, excess kurtosis −1.5 and skewness 0 for a sine', () => {
    const s = timeStats(sine(50 * BIN_HZ, 2));
    expect(s.rmsG).toBeCloseTo(Math.SQRT2, 4);
    expect(s.crest).toBeCloseTo(Math.SQRT2, 2);
    expect(s.kurtosis).toBeCloseTo(-1.5, 3);
    expect(s.skewness).toBeCloseTo(0, 6);
  });

  it('gives kurtosis ≈ 0 for Gaussian noise and a large one for sparse impacts', () => {
    const r = rng(1);
    const x = new Float64Array(100_000);
    for (let i = 0; i < x.length; i++) x[i] = gauss(r);
    expect(Math.abs(timeStats(x).kurtosis)).toBeLessThan(0.1);
    const spikes = new Float64Array(1000);
    spikes[10] = 1;
    const s = timeStats(spikes);
    // One spike in n samples: skewness ≈ √n, excess kurtosis ≈ n − 3 (exactly (n−1)²/... for a single spike).
    expect(s.kurtosis).toBeGreaterThan(990);
    expect(s.skewness).toBeGreaterThan(31);
    expect(s.crest).toBeCloseTo(Math.sqrt(999), 0);
  });

  it('reports zeros, not NaN, for a constant window', () => {
    expect(timeStats(new Float32Array(16).fill(3))).toEqual({ meanG: 3, rmsG: 0, peakG: 0, crest: 0, kurtosis: 0, skewness: 0 });
  });
});

describe('defectMultiples', () => {
  it('matches the CWRU table for the 6205 geometry within 1 % (BSF as twice ball spin)', () => {
    const { multiples: _cwru, ...geometry } = SKF_6205_CWRU;
    const m = defectMultiples(geometry);
    const table = { bpfi: 5.4152, bpfo: 3.5848, ftf: 0.39828, bsf: 4.7135 };
    for (const k of ['bpfi', 'bpfo', 'ftf', 'bsf'] as const) expect(Math.abs(m[k] / table[k] - 1)).toBeLessThan(0.01);
  });

  it('uses the maker’s multiples when given', () => {
    expect(defectMultiples(SKF_6205_CWRU)).toEqual({ bpfi: 5.4152, bpfo: 3.5848, ftf: 0.39828, bsf: 4.7135 });
  });
});
