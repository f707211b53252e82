/**
 * mulberry32 uniform generator whose whole state is one 32-bit integer. Why not the simulator's
 * Rng: a learner's randomness (initial weights, replay draws) is part of its serialised state, so
 * the state must be readable and restorable for `toJSON` / `fromJSON` and seeded clones to agree.
 */
export class SeededUniform {
  constructor(private state: number) {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** The state to serialise; `new SeededUniform(s)` continues the same sequence. */
  get stateValue(): number {
    return this.state;
  }
}
