import { createHash } from 'node:crypto';

/**
 * Which engine should run each asset, decided by every engine on its own from the same inputs
 * (the plant's asset ids and the live members), so they agree without talking to each other.
 *
 * Plain rendezvous (highest-random-weight) hashing gives each asset to the member with the highest
 * `weight(member, asset)`: when a member joins or leaves, only the assets it wins or held move. It
 * does not balance small plants, though: 12 assets over 3 engines often splits 6/3/3. Vigil wants
 * every engine to carry its share, so this is rendezvous hashing with bounded loads: assets are
 * taken in id order, and each goes to its highest-weight member that still has room, where room
 * is `floor(assets / members)` for everyone plus one extra slot for the first
 * `assets mod members` members to need it. Every member then holds `floor` or `floor + 1` assets.
 * The price is that a membership change moves somewhat more assets than plain rendezvous would
 * (an asset can be bumped from its first choice by capacity); the result is still a pure function
 * of (assets, members), so all engines compute the same answer.
 */

/** The 48-bit rendezvous weight of `memberId` for `assetId` (SHA-256 of both, so ids cannot collude). */
export function rendezvousWeight(memberId: string, assetId: string): number {
  return createHash('sha256').update(memberId).update('\u0000').update(assetId).digest().readUIntBE(0, 6);
}

/**
 * Each asset's assigned member: deterministic for the same sets (order and duplicates of the
 * inputs do not matter), empty without members, loads differing by at most one.
 */
export function assignAssets(assetIds: readonly string[], memberIds: readonly string[]): Map<string, string> {
  const members = [...new Set(memberIds)].sort();
  const assets = [...new Set(assetIds)].sort();
  const out = new Map<string, string>();
  if (members.length === 0) return out;
  const floor = Math.floor(assets.length / members.length);
  let extras = assets.length % members.length;
  const load = new Map<string, number>(members.map((m) => [m, 0]));
  for (const asset of assets) {
    const ranked = members.map((m) => ({ m, w: rendezvousWeight(m, asset) })).sort((a, b) => b.w - a.w || (a.m < b.m ? -1 : 1));
    let pick: string | undefined;
    for (const { m } of ranked) {
      const l = load.get(m)!;
      if (l < floor) {
        pick = m;
        break;
      }
      if (l === floor && extras > 0) {
        extras--;
        pick = m;
        break;
      }
    }
    // Unreachable: the slots add up to exactly the number of assets.
    if (pick === undefined) throw new Error('assignAssets: no member had room');
    load.set(pick, load.get(pick)! + 1);
    out.set(asset, pick);
  }
  return out;
}
