import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monotonicEpochClock, type AssetLeases } from '../../../../engine/connect/scaleout/AssetLeases';
import { assetKey, leaseBucketName } from '../../../../engine/connect/scaleout/kvNames';
import { spawnLeaseMember, type LeaseMember } from '../../../../engine/connect/scaleout/LeaseMemberChild';
import { connectNats } from '../../../../engine/connect/scaleout/natsKv';
import { PlantWatcher } from '../../../../engine/connect/scaleout/PlantWatcher';
import { NATS_SERVER, type NatsPeer } from '../../../../engine/connect/scaleout/natsPeer';
import { findOverlaps, ownershipIntervals } from '../../../../engine/connect/scaleout/ownershipTimeline';
import { assets, holdings, LEASE_MS, OwnershipLog, RENEW_MS, settled, SITE, startEngine, startTestNats, TestResources, until } from './scaleoutHarness';

/**
 * Several engines sharing a plant through a real nats-server (JetStream KV, loopback): balance,
 * failover after kill -9 of an engine process, handover to a newcomer, a NATS outage, and at no
 * time two engines holding one asset. Lease 1000 ms, renewed every 333 ms.
 */

const SKIP = NATS_SERVER ? '' : ' [SKIPPED: nats-server is not installed (apt-get install nats-server)]';
const PLANT = assets(12);
/** The stated failover bound (lease + renew period) plus what loopback watch latency and timers may add. */
const FAILOVER_BOUND_MS = LEASE_MS + RENEW_MS + 100;

const res = new TestResources();
beforeEach(() => res.begin());
afterEach(() => res.end());

const nats = (o: { port?: number; storeDir?: string } = {}): Promise<NatsPeer> => startTestNats(res, o);

async function engine(url: string, id: string, log: OwnershipLog, assetIds: readonly string[] = PLANT): Promise<AssetLeases> {
  const e = await startEngine(url, id, assetIds, log);
  res.add(() => e.close());
  return e;
}

async function member(url: string, id: string): Promise<LeaseMember> {
  const m = await spawnLeaseMember({ servers: [url], site: SITE, engineId: id, assetIds: PLANT, leaseMs: LEASE_MS });
  res.add(() => m.close());
  return m;
}

/** Fails with the offending pairs if two engines ever held one asset at once. */
function expectNoOverlap(log: OwnershipLog): void {
  const t = ownershipIntervals(log.events, monotonicEpochClock());
  expect(t.anomalies).toEqual([]);
  expect(findOverlaps(t.intervals)).toEqual([]);
}

describe.skipIf(!NATS_SERVER)(`AssetLeases (nats-server JetStream KV)${SKIP}`, () => {
  it('given 3 engines and 12 assets, then every asset is held by exactly one engine, 4 each, and every engine\'s plant view agrees', async () => {
    const n = await nats();
    const log = new OwnershipLog();
    const es = [await engine(n.url, 'e1', log), await engine(n.url, 'e2', log), await engine(n.url, 'e3', log)];
    await until('12 assets held 4 per engine', () => settled(es, PLANT, 4), 10_000);
    const h = holdings(es);
    expect(Object.values(h).flat().sort()).toEqual(PLANT);
    const owner = Object.fromEntries(Object.entries(h).flatMap(([id, as]) => as.map((a) => [a, id])));
    for (const e of es) {
      const p = e.plant();
      expect(p.assets.map((a) => ({ assetId: a.assetId, owner: a.ownerEngineId, configured: a.configured, unreadable: a.unreadable }))).toEqual(PLANT.map((a) => ({ assetId: a, owner: owner[a], configured: true, unreadable: false })));
      expect(p.members.map((m) => ({ engineId: m.engineId, live: m.live, holds: m.holds }))).toEqual(['e1', 'e2', 'e3'].map((id) => ({ engineId: id, live: true, holds: 4 })));
      for (const a of p.assets) expect(a.sinceMs).toBe(es.find((x) => x.engineId === a.ownerEngineId)!.lease(a.assetId)!.acquiredAtMs);
    }
    // Renewals keep it still: nothing moves over two lease times.
    const before = log.events.length;
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS));
    expect(log.events.length).toBe(before);
    expect(holdings(es)).toEqual(h);
    for (const e of es) expect(e.counters()).toMatchObject({ losses: 0, claimErrors: 0, renewFailures: 0, callbackErrors: 0 });
    expect(es.reduce((s, e) => s + e.counters().renewals, 0)).toBeGreaterThanOrEqual(12 * 5);
    expectNoOverlap(log);
  });

  it('given an engine process holding 4 assets, when it is killed -9, then the survivors hold them within lease + renew period, never two at once', async () => {
    const n = await nats();
    const log = new OwnershipLog();
    const es = [await engine(n.url, 'e1', log), await engine(n.url, 'e2', log)];
    const child = await member(n.url, 'e3');
    // A console that runs no engine, watching the same plant.
    const consoleLink = await connectNats({ servers: [n.url], name: 'console' });
    res.add(() => consoleLink.close());
    const watcher = await PlantWatcher.start({ connection: consoleLink, site: SITE, leaseMs: LEASE_MS, assetIds: PLANT });
    res.add(() => watcher.dispose());
    await until('4 per engine with e3 in a child process', () => childHolds(child).length === 4 && settled(es, PLANT, 4, Object.fromEntries(childHolds(child).map((a) => [a, 'e3']))), 10_000);
    const victim = childHolds(child);
    const { killedAtMs, exitedAtMs } = await child.kill();
    const takenAtMs: Record<string, number> = {};
    await until('survivors hold all 12', () => {
      for (const a of victim) if (!(a in takenAtMs) && es.some((e) => e.holds(a))) takenAtMs[a] = monotonicEpochClock();
      return settled(es, PLANT, 6);
    }, 5000);
    const failoverMs = Math.max(...victim.map((a) => log.events.find((e) => e.assetId === a && e.kind === 'acquired' && e.atMs > killedAtMs)!.atMs)) - killedAtMs;
    console.log(`kill -9 of an engine holding ${victim.length} assets: all held by survivors after ${failoverMs.toFixed(0)} ms (lease ${LEASE_MS} ms, renew ${RENEW_MS} ms, stated bound ${LEASE_MS + RENEW_MS} ms + watch latency)`);
    expect(failoverMs).toBeGreaterThan(LEASE_MS - RENEW_MS - 100);
    expect(failoverMs).toBeLessThan(FAILOVER_BOUND_MS);
    log.addChild(child, exitedAtMs);
    expectNoOverlap(log);
    // Every view, the engines' and the console's, shows the dead engine as not live, holding nothing.
    for (const p of [...es.map((e) => e.plant()), watcher.plant()]) expect(p.members.map((m) => [m.engineId, m.live, m.holds])).toEqual([['e1', true, 6], ['e2', true, 6], ['e3', false, 0]]);
    const truth = Object.fromEntries(es.flatMap((e) => e.heldAssets().map((a) => [a, e.engineId])));
    expect(watcher.plant().assets.map((a) => [a.assetId, a.ownerEngineId])).toEqual(PLANT.map((a) => [a, truth[a]]));
  });

  it('given 3 balanced engines, when a 4th joins, then it gets 3 by handover without overlap; when it leaves gracefully, its assets move without waiting for the lease', async () => {
    const n = await nats();
    const log = new OwnershipLog();
    const es = [await engine(n.url, 'e1', log), await engine(n.url, 'e2', log), await engine(n.url, 'e3', log)];
    await until('4 per engine', () => settled(es, PLANT, 4), 10_000);
    const joinAtMs = monotonicEpochClock();
    const e4 = await engine(n.url, 'e4', log);
    await until('3 per engine', () => settled([...es, e4], PLANT, 3), 5000);
    const rebalanceMs = monotonicEpochClock() - joinAtMs;
    const handovers = log.losses.filter((l) => l.why === 'handover' && l.atMs >= joinAtMs);
    // At least its 3; a few more when the bounded-load assignment also moves assets between the others.
    expect(handovers.length).toBeGreaterThanOrEqual(3);
    expect(handovers.length).toBeLessThanOrEqual(6);
    // Each handed-over asset's gap: from the old owner letting go to the new one acquiring.
    const gaps = handovers.map((l) => log.events.find((e) => e.assetId === l.assetId && e.kind === 'acquired' && e.atMs >= l.atMs)!.atMs - l.atMs);
    console.log(`4th engine joined: ${handovers.length} handovers, plant rebalanced ${rebalanceMs.toFixed(0)} ms after it started; handover gaps ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`);
    expect(Math.max(...gaps)).toBeLessThan(LEASE_MS / 2);
    expectNoOverlap(log);

    const leaving = e4.heldAssets();
    const leftAtMs = monotonicEpochClock();
    await e4.close();
    await until('the 3 hold all 12 again', () => settled(es, PLANT, 4), 5000);
    const moveMs = monotonicEpochClock() - leftAtMs;
    expect(log.losses.filter((l) => l.engineId === 'e4' && l.atMs >= leftAtMs).map((l) => [l.assetId, l.why]).sort()).toEqual(leaving.map((a) => [a, 'released']));
    console.log(`graceful leave: its ${leaving.length} assets held by the others after ${moveMs.toFixed(0)} ms`);
    expect(moveMs).toBeLessThan(LEASE_MS / 2);
    expectNoOverlap(log);
  });

  it('given NATS stops, then every engine drops its assets within the lease time; when NATS is back, all 12 are held again, once each', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'vigil-nats-store-'));
    res.add(() => rmSync(storeDir, { recursive: true, force: true }));
    const n = await nats({ storeDir });
    const log = new OwnershipLog();
    const es = [await engine(n.url, 'e1', log), await engine(n.url, 'e2', log), await engine(n.url, 'e3', log)];
    await until('4 per engine', () => settled(es, PLANT, 4), 10_000);
    const stoppedAtMs = monotonicEpochClock();
    await n.kill();
    // holds() turns false at the deadline itself; onLost follows when the deadline timer runs.
    await until('12 assets dropped', () => log.losses.filter((l) => l.atMs >= stoppedAtMs).length === 12, 3000);
    expect(es.map((e) => e.heldAssets())).toEqual([[], [], []]);
    const drops = log.losses.filter((l) => l.atMs >= stoppedAtMs);
    expect(drops.map((d) => d.why).sort()).toEqual(Array(12).fill('expired'));
    const latestMs = Math.max(...drops.map((d) => d.atMs)) - stoppedAtMs;
    console.log(`NATS killed: all 12 dropped within ${latestMs.toFixed(0)} ms (lease ${LEASE_MS} ms)`);
    // Dropped no later than a lease after the last renewal, which came at most a renew period before the kill.
    expect(latestMs).toBeLessThanOrEqual(LEASE_MS);
    for (const e of es) expect(PLANT.filter((a) => e.holds(a))).toEqual([]);

    const restartAtMs = monotonicEpochClock();
    const n2 = await nats({ port: n.port, storeDir: n.storeDir });
    await until('12 held again, 4 per engine', () => settled(es, PLANT, 4), 10_000);
    console.log(`NATS restarted: all 12 held again ${(monotonicEpochClock() - restartAtMs).toFixed(0)} ms after its start (port ${n2.port})`);
    for (const e of es) expect(e.counters()).toMatchObject({ disconnects: 1, reconnects: 1, callbackErrors: 0 });
    expectNoOverlap(log);
  });

  it('given an operator deletes or overwrites a held lease, then the holder drops the asset at once and claims it again once it is free', async () => {
    const n = await nats();
    const log = new OwnershipLog();
    const e1 = await engine(n.url, 'e1', log, ['pump-01', 'pump-02']);
    await until('e1 holds both', () => e1.heldAssets().length === 2, 5000);
    const op = await connectNats({ servers: [n.url], name: 'operator' });
    res.add(() => op.close());
    const kv = await op.jetstream().views.kv(leaseBucketName(SITE), { bindOnly: true });

    const deletedAtMs = monotonicEpochClock();
    await kv.delete(assetKey('pump-01'));
    await until('e1 holds pump-01 again', () => log.events.filter((e) => e.assetId === 'pump-01' && e.kind === 'acquired').length === 2, 2000);
    const foreign = { engineId: 'maintenance', token: 'op.1', acquiredAtMs: 0, renewedAtMs: 0 };
    const overwrittenAtMs = monotonicEpochClock();
    await kv.put(assetKey('pump-02'), JSON.stringify(foreign));
    await until('e1 lost pump-02', () => !e1.holds('pump-02'), 2000);
    const lostAfterMs = monotonicEpochClock() - overwrittenAtMs;
    expect(e1.plant().assets.find((a) => a.assetId === 'pump-02')?.ownerEngineId).toBe('maintenance');
    // Nobody renews the foreign lease: it expires, and e1 claims the asset back.
    await until('e1 holds pump-02 again', () => e1.holds('pump-02'), LEASE_MS + RENEW_MS + 1000);
    expect(log.losses.map((l) => [l.assetId, l.why])).toEqual([['pump-01', 'deleted'], ['pump-02', 'taken']]);
    expect(log.losses[0]!.atMs - deletedAtMs).toBeLessThan(100);
    expect(lostAfterMs).toBeLessThan(100);
    expect(e1.counters()).toMatchObject({ claims: 4, losses: 2, lossesByReason: { 'revision-mismatch': 0, expired: 0, taken: 1, deleted: 1, handover: 0, released: 0 } });
  });
});

/** Assets a child member holds now, from its reports. */
function childHolds(m: LeaseMember): string[] {
  const held = new Set<string>();
  for (const r of m.reports) {
    if (r.t === 'acquired') held.add(r.assetId);
    else if (r.t === 'lost') held.delete(r.assetId);
  }
  return [...held].sort();
}
