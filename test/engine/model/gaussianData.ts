/**
 * Seeded synthetic feature data for model tests: correlated Gaussian vectors, optionally with
 * AR(1) correlation in time like consecutive overlapping windows. Why a helper: calibration,
 * agreement and contract tests all need the same reproducible "normal" machine.
 */

/** mulberry32: tiny, fast, seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sampler (Box–Muller) over a seeded uniform source. */
export function normalSampler(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A synthetic machine: x = centre + spread ⊙ (A g), A a fixed random mixing (correlations). */
export interface SyntheticMachine {
  readonly f: number;
  readonly centre: Float64Array;
  readonly spread: Float64Array;
  /** Marginal standard deviation of each feature (for "+4σ" shifts). */
  readonly sigma: Float64Array;
  /** Draw n vectors; rho is the AR(1) coefficient between consecutive draws (0 = independent). */
  sample(n: number, seed: number, rho?: number): Float32Array[];
}

/** Build a machine with F features whose correlations and levels come from `seed`. */
export function syntheticMachine(f: number, seed: number): SyntheticMachine {
  const rand = mulberry32(seed);
  const gauss = normalSampler(rand);
  const mix = new Float64Array(f * f);
  for (let r = 0; r < f; r++) for (let c = 0; c < f; c++) mix[r * f + c] = (r === c ? 1 : 0) + 0.5 * gauss();
  const centre = new Float64Array(f);
  const spread = new Float64Array(f);
  for (let j = 0; j < f; j++) {
    centre[j] = 10 ** (rand() * 4 - 2) * (1 + rand());
    spread[j] = centre[j]! * (0.02 + 0.1 * rand());
  }
  const sigma = new Float64Array(f);
  for (let r = 0; r < f; r++) {
    let v = 0;
    for (let c = 0; c < f; c++) v += mix[r * f + c]! ** 2;
    sigma[r] = spread[r]! * Math.sqrt(v);
  }
  return {
    f,
    centre,
    spread,
    sigma,
    sample(n, sampleSeed, rho = 0) {
      const g = normalSampler(mulberry32(sampleSeed));
      const state = new Float64Array(f).map(() => g());
      const innov = Math.sqrt(1 - rho * rho);
      const out: Float32Array[] = [];
      for (let i = 0; i < n; i++) {
        if (i > 0) for (let c = 0; c < f; c++) state[c] = rho * state[c]! + innov * g();
        const x = new Float32Array(f);
        for (let r = 0; r < f; r++) {
          let acc = 0;
          for (let c = 0; c < f; c++) acc += mix[r * f + c]! * state[c]!;
          x[r] = centre[r]! + spread[r]! * acc;
        }
        out.push(x);
      }
      return out;
    },
  };
}

/** Feature names f0…f{F−1}. */
export function featureNames(f: number): string[] {
  return Array.from({ length: f }, (_, i) => `f${i}`);
}
