import { describe, expect, it } from 'vitest';
import { AutoencoderLearner } from '../../../engine/learn/AutoencoderLearner';
import { SeededUniform } from '../../../engine/learn/SeededUniform';

/** A learner as the contract sees it (River's learn_one / score_one contract). */
interface Learner {
  learnOne(x: Float32Array): void;
  scoreOne(x: Float32Array): number;
  clone(): Learner;
  toJSON(): unknown;
}

/** Correlated normal data of one machine: 3 latent factors mixed (fixed mixing) into F features plus noise. */
function normalData(n: number, f: number, seed: number): Float32Array[] {
  const gauss = (u: SeededUniform): number => Math.sqrt(-2 * Math.log(1 - u.next())) * Math.cos(2 * Math.PI * u.next());
  const machine = new SeededUniform(77);
  const mix = Array.from({ length: f * 3 }, () => gauss(machine));
  const r = new SeededUniform(seed);
  const g = (): number => gauss(r);
  return Array.from({ length: n }, () => {
    const h = [g(), g(), g()];
    return Float32Array.from({ length: f }, (_, j) => 5 + mix[j * 3]! * h[0]! + mix[j * 3 + 1]! * h[1]! + mix[j * 3 + 2]! * h[2]! + 0.1 * g());
  });
}

const F = 6;
const names = Array.from({ length: F }, (_, i) => `f${i}`);
const learners: Array<{ name: string; make: (seed: number) => Learner; restore: (json: unknown) => Learner }> = [
  {
    name: 'AutoencoderLearner',
    make: (seed) => AutoencoderLearner.fit(normalData(64, F, 11), { featureNames: names, seed, hidden: [16, 8], latent: 2 }),
    restore: (json) => AutoencoderLearner.fromJSON(json),
  },
];

describe.each(learners)('learner contract: $name', ({ make, restore }) => {
  const stream = normalData(40, F, 99);

  it('given a window, when it learns and scores, then the input is not mutated', () => {
    const l = make(1);
    for (const x of stream.slice(0, 5)) {
      const copy = Float32Array.from(x);
      l.learnOne(x);
      l.scoreOne(x);
      expect(x).toEqual(copy);
    }
  });

  it('given two learners with the same seed, when they learn the same windows, then they score bit for bit the same', () => {
    const a = make(7);
    const b = make(7);
    for (const x of stream) {
      a.learnOne(x);
      b.learnOne(x);
    }
    expect(stream.map((x) => a.scoreOne(x))).toEqual(stream.map((x) => b.scoreOne(x)));
  });

  it('given a clone, when both keep learning, then they stay identical and independent of each other', () => {
    const a = make(3);
    for (const x of stream.slice(0, 10)) a.learnOne(x);
    const c = a.clone();
    const before = stream.map((x) => c.scoreOne(x));
    for (const x of stream.slice(10)) a.learnOne(x);
    expect(stream.map((x) => c.scoreOne(x))).toEqual(before);
    for (const x of stream.slice(10)) c.learnOne(x);
    expect(stream.map((x) => c.scoreOne(x))).toEqual(stream.map((x) => a.scoreOne(x)));
  });

  it('given a serialisation round trip through JSON text, then scores and later learning are unchanged', () => {
    const a = make(5);
    for (const x of stream.slice(0, 10)) a.learnOne(x);
    const b = restore(JSON.parse(JSON.stringify(a.toJSON())));
    expect(stream.map((x) => b.scoreOne(x))).toEqual(stream.map((x) => a.scoreOne(x)));
    for (const x of stream.slice(10)) {
      a.learnOne(x);
      b.learnOne(x);
    }
    expect(stream.map((x) => b.scoreOne(x))).toEqual(stream.map((x) => a.scoreOne(x)));
  });

  it('given scoring many times, then the model does not change', () => {
    const a = make(9);
    const json = JSON.stringify(a.toJSON());
    for (let i = 0; i < 3; i++) for (const x of stream) a.scoreOne(x);
    expect(JSON.stringify(a.toJSON())).toBe(json);
  });

  it('given normal data, then normal scores stay below 1 and a far-off window scores high', () => {
    const a = make(2);
    const held = normalData(200, F, 1234);
    const scores = held.map((x) => a.scoreOne(x));
    expect(scores.filter((s) => s >= 1).length).toBeLessThanOrEqual(2);
    const far = Float32Array.from(held[0]!, (v, j) => v + (j === 2 ? 8 : 0));
    expect(a.scoreOne(far)).toBeGreaterThan(2);
  });
});

describe('AutoencoderLearner input checks', () => {
  const a = AutoencoderLearner.fit(normalData(32, F, 1), { featureNames: names, seed: 1, hidden: [8], latent: 2 });
  it.each([
    ['a wrong size', new Float32Array(F + 1), /has 7 values, expected 6/],
    ['a NaN', Float32Array.from({ length: F }, (_, i) => (i === 3 ? Number.NaN : 1)), /feature f3 is not finite|feature 3 is not finite/],
  ])('given %s, learnOne and scoreOne refuse it with a clear error', (_, x, msg) => {
    expect(() => a.learnOne(x)).toThrow(msg);
    expect(() => a.scoreOne(x)).toThrow(msg);
  });
  it('given a channel that never moved in commissioning, it still gets a boundary: steady is 0, any change alarms', () => {
    const flat = AutoencoderLearner.fit(Array.from({ length: 20 }, () => Float32Array.from([5, 5, 5])), { featureNames: ['a', 'b', 'c'], seed: 1, hidden: [8], latent: 2 });
    expect(flat.scoreOne(Float32Array.from([5, 5, 5]))).toBe(0);
    expect(flat.scoreOne(Float32Array.from([5, 5.5, 5]))).toBeGreaterThan(1);
  });

  it('refuses too few commissioning windows and a corrupt state', () => {
    expect(() => AutoencoderLearner.fit(normalData(4, F, 1), { featureNames: names, seed: 1 })).toThrow(/at least 8 samples/);
    const json = a.toJSON();
    expect(() => AutoencoderLearner.fromJSON({ ...json, moments: json.moments.slice(1) })).toThrow(/moment sets/);
  });
});
