import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assignAssets, rendezvousWeight } from '../../../../engine/connect/scaleout/rendezvous';

const assets = (n: number) => Array.from({ length: n }, (_, i) => `pump-${String(i + 1).padStart(2, '0')}`);
const loads = (a: Map<string, string>, members: string[]) => members.map((m) => [...a.values()].filter((x) => x === m).length);

describe('assignAssets (rendezvous hashing with bounded loads)', () => {
  it('given 12 assets and 3 members, then each member gets exactly 4, and the same sets in any order give the same answer', () => {
    const a = assignAssets(assets(12), ['e1', 'e2', 'e3']);
    expect([...a.keys()].sort()).toEqual(assets(12));
    expect(loads(a, ['e1', 'e2', 'e3'])).toEqual([4, 4, 4]);
    expect(assignAssets([...assets(12)].reverse().concat(['pump-03']), ['e3', 'e1', 'e2', 'e1'])).toEqual(a);
  });

  it('given counts that do not divide, then loads differ by at most one', () => {
    for (const [n, members] of [[10, 3], [7, 4], [100, 6], [3, 5]] as const) {
      const ms = Array.from({ length: members }, (_, i) => `engine-${i}`);
      const l = loads(assignAssets(assets(n), ms), ms);
      expect([l.reduce((s, x) => s + x, 0), Math.max(...l) - Math.min(...l) <= 1]).toEqual([n, true]);
    }
  });

  it('given no members, then nothing is assigned', () => {
    expect(assignAssets(assets(3), [])).toEqual(new Map());
  });

  it('given a 4th member joins 3, then it gets 3 assets and at most 3 more move between the others', () => {
    const before = assignAssets(assets(12), ['e1', 'e2', 'e3']);
    const after = assignAssets(assets(12), ['e1', 'e2', 'e3', 'e4']);
    const moved = assets(12).filter((x) => before.get(x) !== after.get(x));
    expect(loads(after, ['e1', 'e2', 'e3', 'e4'])).toEqual([3, 3, 3, 3]);
    expect(moved.filter((x) => after.get(x) === 'e4').length).toBe(3);
    expect(moved.length).toBeLessThanOrEqual(6);
  });

  it('given a member leaves, then only its assets and capacity-bumped ones move, and the others still split evenly', () => {
    const before = assignAssets(assets(12), ['e1', 'e2', 'e3']);
    const after = assignAssets(assets(12), ['e1', 'e2']);
    expect(loads(after, ['e1', 'e2'])).toEqual([6, 6]);
    for (const x of assets(12)) if (before.get(x) === 'e3') expect(['e1', 'e2']).toContain(after.get(x));
  });

  it('given a member and an asset, then the weight is the first 48 bits of SHA-256("<member>\\0<asset>"), the same in every process and version', () => {
    const expected = createHash('sha256').update('e1\u0000pump-01').digest().readUIntBE(0, 6);
    expect([rendezvousWeight('e1', 'pump-01'), rendezvousWeight('e1', 'pump-01')]).toEqual([expected, expected]);
    expect(rendezvousWeight('e1', 'pump-01')).toMatchInlineSnapshot(`238688528138908`);
  });
});
