/**
 * Seeded signal simulators for feature tests: a bearing defect as an impulse train that rings a
 * structural resonance, over Gaussian noise and a shaft line. Randomness comes from the seed only.
 */

/** mulberry32: small, fast, seedable PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample by Box–Muller. */
export function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export interface FaultSim {
  sampleRateHz: number;
  n: number;
  shaftHz: number;
  /** Impact rate in Hz (0 for a healthy machine). */
  impactHz: number;
  impactG: number;
  resonanceHz: number;
  decayMs: number;
  noiseG: number;
  /** Random jitter of each impact period, relative (rolling-element slip). */
  slipRel: number;
  /** Depth of amplitude modulation at shaft speed (inner race passes through the load zone). */
  shaftModulation: number;
  seed: number;
}

/** A simulated accelerometer window (g): shaft line + noise + resonance-ringing impacts. */
export function simulate(p: FaultSim): Float32Array {
  const r = rng(p.seed);
  const x = new Float32Array(p.n);
  const dt = 1 / p.sampleRateHz;
  const phase = r() * 2 * Math.PI;
  for (let i = 0; i < p.n; i++) x[i] = 0.05 * Math.sin(2 * Math.PI * p.shaftHz * i * dt + phase) + p.noiseG * gauss(r);
  if (p.impactHz > 0) {
    const tauS = p.decayMs / 1000;
    const ringN = Math.ceil((6 * tauS) / dt);
    let t = r() / p.impactHz;
    while (t < p.n * dt) {
      const a = p.impactG * (1 - p.shaftModulation * 0.5 * (1 - Math.cos(2 * Math.PI * p.shaftHz * t)));
      const i0 = Math.ceil(t / dt);
      for (let j = 0; j < ringN && i0 + j < p.n; j++) {
        const tt = (i0 + j) * dt - t;
        x[i0 + j]! += a * Math.exp(-tt / tauS) * Math.sin(2 * Math.PI * p.resonanceHz * tt);
      }
      t += (1 + p.slipRel * (2 * r() - 1)) / p.impactHz;
    }
  }
  return x;
}
