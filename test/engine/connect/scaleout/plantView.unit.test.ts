import { describe, expect, it } from 'vitest';
import { PlantView } from '../../../../engine/connect/scaleout/PlantView';

const LEASE_MS = 1000;
const lease = (engineId: string, n: number, acquiredAtMs: number) => ({ engineId, token: `${engineId}.${n}`, acquiredAtMs, renewedAtMs: acquiredAtMs });
const member = (engineId: string) => ({ engineId, instance: `${engineId}-i`, startedAtMs: 0, plantDigest: 'd' });

describe('PlantView', () => {
  it('given leases and memberships written, then the snapshot shows each asset\'s owner and since when, and who is alive', () => {
    const v = new PlantView(['p1', 'p2', 'p3'], LEASE_MS);
    v.beginResync();
    v.applyMember('e1', 'PUT', 1, member('e1'), 100);
    v.applyMember('e2', 'PUT', 2, member('e2'), 100);
    v.applyLease('p1', 'PUT', 3, lease('e1', 1, 90), 100);
    v.applyLease('p2', 'PUT', 4, lease('e2', 1, 95), 100);
    v.applyLease('p4', 'PUT', 5, lease('e2', 2, 96), 100);
    v.endResync();
    expect(v.snapshot(500)).toEqual({
      atMs: 500,
      assets: [
        { assetId: 'p1', ownerEngineId: 'e1', sinceMs: 90, revision: 3, configured: true, unreadable: false },
        { assetId: 'p2', ownerEngineId: 'e2', sinceMs: 95, revision: 4, configured: true, unreadable: false },
        { assetId: 'p3', ownerEngineId: null, sinceMs: null, revision: null, configured: true, unreadable: false },
        { assetId: 'p4', ownerEngineId: 'e2', sinceMs: 96, revision: 5, configured: false, unreadable: false },
      ],
      members: [
        { engineId: 'e1', instance: 'e1-i', startedAtMs: 0, live: true, holds: 1 },
        { engineId: 'e2', instance: 'e2-i', startedAtMs: 0, live: true, holds: 2 },
      ],
    });
    expect(v.liveMembers(500)).toEqual(['e1', 'e2']);
  });

  it('given an owner stops renewing, then a lease time after its last write the asset shows free since then, and the member dead', () => {
    const v = new PlantView(['p1', 'p2'], LEASE_MS);
    v.applyMember('e1', 'PUT', 1, member('e1'), 0);
    v.applyMember('e2', 'PUT', 2, member('e2'), 0);
    v.applyLease('p1', 'PUT', 3, lease('e1', 1, 0), 0);
    v.applyLease('p2', 'PUT', 4, lease('e2', 1, 0), 0);
    v.applyMember('e2', 'PUT', 5, member('e2'), 600);
    v.applyLease('p2', 'PUT', 6, { ...lease('e2', 1, 0), renewedAtMs: 600 }, 600);
    expect(v.nextExpiryMs(0)).toBe(1000);
    expect([v.lease('p1', 999)?.record?.engineId, v.lease('p1', 1000), v.liveMembers(1000)]).toEqual(['e1', null, ['e2']]);
    expect(v.snapshot(1200).assets.map((a) => [a.assetId, a.ownerEngineId, a.sinceMs])).toEqual([['p1', null, 1000], ['p2', 'e2', 0]]);
    expect(v.snapshot(1200).members.map((m) => [m.engineId, m.live, m.holds])).toEqual([['e1', false, 0], ['e2', true, 1]]);
    expect(v.nextExpiryMs(1200)).toBe(1600);
  });

  it('given a release, a replayed older write and an unreadable value, then free since the release, the replay ignored, the unreadable one held by nobody known', () => {
    const v = new PlantView(['p1', 'p2'], LEASE_MS);
    v.applyLease('p1', 'PUT', 3, lease('e1', 1, 0), 0);
    const change = v.applyLease('p1', 'DEL', 7, null, 50);
    expect([change, v.applyLease('p1', 'PUT', 3, lease('e1', 1, 0), 60)]).toEqual([{ kind: 'asset', assetId: 'p1' }, null]);
    v.applyLease('p2', 'PUT', 8, null, 60);
    expect(v.snapshot(100).assets).toEqual([
      { assetId: 'p1', ownerEngineId: null, sinceMs: 50, revision: 7, configured: true, unreadable: false },
      { assetId: 'p2', ownerEngineId: null, sinceMs: 60, revision: 8, configured: true, unreadable: true },
    ]);
    expect(v.lease('p2', 100)).toEqual({ assetId: 'p2', record: null, revision: 8, seenAtMs: 60 });
  });

  it('given a resync after a reconnect, then keys the new watch did not deliver are forgotten and the others kept', () => {
    const v = new PlantView(['p1', 'p2'], LEASE_MS);
    v.applyMember('e1', 'PUT', 1, member('e1'), 0);
    v.applyLease('p1', 'PUT', 2, lease('e1', 1, 0), 0);
    v.applyLease('p2', 'PUT', 3, lease('e1', 2, 0), 0);
    v.beginResync();
    v.applyMember('e1', 'PUT', 1, member('e1'), 300);
    v.applyLease('p2', 'PUT', 3, lease('e1', 2, 0), 300);
    v.endResync();
    expect(v.snapshot(400).assets.map((a) => [a.assetId, a.ownerEngineId, a.revision])).toEqual([['p1', null, null], ['p2', 'e1', 3]]);
    expect(v.applyMember('e2', 'PUT', 9, member('e2'), 400)).toEqual({ kind: 'member', engineId: 'e2', joined: true });
    expect(v.applyMember('e2', 'PUT', 10, member('e2'), 500)).toEqual({ kind: 'member', engineId: 'e2', joined: false });
  });
});
