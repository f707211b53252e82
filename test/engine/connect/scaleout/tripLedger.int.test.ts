import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TripRecord } from '../../../../engine/connect/scaleout/TripLedger';
import { TripLedger } from '../../../../engine/connect/scaleout/TripLedger';
import { AssetLeases } from '../../../../engine/connect/scaleout/AssetLeases';
import { spawnLeaseMember, type MemberReport } from '../../../../engine/connect/scaleout/LeaseMemberChild';
import { connectNats } from '../../../../engine/connect/scaleout/natsKv';
import { NATS_SERVER, type NatsPeer } from '../../../../engine/connect/scaleout/natsPeer';
import { LEASE_MS, RENEW_MS, SITE, startTestNats, TestResources, until } from './scaleoutHarness';

/**
 * The trip ledger against a real nats-server: a latch written by the engine that tripped survives
 * that engine's kill -9 and is seen by the next owner; writes never wait on NATS and land once it
 * is back; a reset clears the latch for everyone.
 */

const SKIP = NATS_SERVER ? '' : ' [SKIPPED: nats-server is not installed (apt-get install nats-server)]';
const TRIP = { commandId: 'trip-cmd-42', eventId: 'evt-7', reason: 'overall velocity 11.2 mm/s > trip 7.1 mm/s' };

const res = new TestResources();
beforeEach(() => res.begin());
afterEach(() => res.end());

const nats = (o: { port?: number; storeDir?: string } = {}): Promise<NatsPeer> => startTestNats(res, o);

async function ledgerOn(url: string, engineId: string): Promise<TripLedger> {
  const nc = await connectNats({ servers: [url], name: `ledger-${engineId}` });
  res.add(() => nc.close());
  const l = await TripLedger.open({ connection: nc, site: SITE, engineId, timeoutMs: 300, retryMs: 100 });
  res.add(() => l.dispose());
  return l;
}

describe.skipIf(!NATS_SERVER)(`TripLedger (nats-server JetStream KV)${SKIP}`, () => {
  it('given two engines following the ledger, when each records a trip, then each hears the other\'s and not its own, and a trip recorded before the watch is not replayed', async () => {
    const n = await nats();
    const a = await ledgerOn(n.url, 'a');
    const b = await ledgerOn(n.url, 'b');
    a.record('pump-01', { ...TRIP, commandId: 'before', decidedAtMs: 1 });
    await a.flushed();
    const heardByA: Array<[string, string]> = [];
    const heardByB: Array<[string, string]> = [];
    const fa = a.follow((assetId, t) => heardByA.push([assetId, t.commandId]));
    res.add(() => fa.dispose());
    const fb = b.follow((assetId, t) => heardByB.push([assetId, t.commandId]));
    res.add(() => fb.dispose());
    await new Promise((r) => setTimeout(r, 300));

    a.record('pump-02', { ...TRIP, commandId: 'estop-a', decidedAtMs: 2 });
    b.record('pump-03', { ...TRIP, commandId: 'trip-b', decidedAtMs: 3 });
    await until('each to hear the other', () => heardByA.length === 1 && heardByB.length === 1, 5000);
    expect({ heardByA, heardByB }).toEqual({ heardByA: [['pump-03', 'trip-b']], heardByB: [['pump-02', 'estop-a']] });
  });

  it('given engine A trips pump-01 and is killed -9, when engine B acquires its assets, then B sees pump-01 latched by A\'s command and pump-02 not; a reset clears it for everyone', async () => {
    const n = await nats();
    const a = await spawnLeaseMember({ servers: [n.url], site: SITE, engineId: 'a', assetIds: ['pump-01', 'pump-02'], leaseMs: LEASE_MS });
    res.add(() => a.close());
    const latchOf = (assetId: string) => (r: MemberReport): r is Extract<MemberReport, { t: 'latch' }> => r.t === 'latch' && r.assetId === assetId;
    // A holds both, and found neither latched when it acquired them.
    expect([(await a.waitFor(latchOf('pump-01'), 5000)).latched, (await a.waitFor(latchOf('pump-02'), 5000)).latched]).toEqual([null, null]);
    a.send({ cmd: 'trip', assetId: 'pump-01', ...TRIP });
    await a.waitFor((r): r is Extract<MemberReport, { t: 'recorded' }> => r.t === 'recorded', 5000);
    await a.kill();

    // B as an engine integrates it: the ledger open on B's connection before any asset is acquired.
    const connection = await connectNats({ servers: [n.url], name: 'engine-b' });
    res.add(() => connection.close());
    const ledger = await TripLedger.open({ connection, site: SITE, engineId: 'b' });
    res.add(() => ledger.dispose());
    const latches: Record<string, TripRecord | null | Error> = {};
    const b = await AssetLeases.start({
      connection,
      site: SITE,
      engineId: 'b',
      assetIds: ['pump-01', 'pump-02'],
      leaseMs: LEASE_MS,
      onAcquired: (assetId) => void ledger.latched(assetId).then((l) => (latches[assetId] = l), (e: Error) => (latches[assetId] = e)),
      onLost: () => {},
    });
    res.add(() => b.close());
    await until('B has read both latches', () => Object.keys(latches).length === 2, LEASE_MS + RENEW_MS + 2000);
    expect(latches).toEqual({ 'pump-01': { ...TRIP, engineId: 'a', decidedAtMs: expect.any(Number) }, 'pump-02': null });
    expect(b.heldAssets()).toEqual(['pump-01', 'pump-02']);

    // The operator resets pump-01 on B: B sees it at once, everyone else once written.
    ledger.clear('pump-01');
    expect(await ledger.latched('pump-01')).toBeNull();
    await ledger.flushed();
    const other = await ledgerOn(n.url, 'c');
    expect([await other.latched('pump-01'), await other.latched('pump-02')]).toEqual([null, null]);
    expect(ledger.counters()).toEqual({ recorded: 0, cleared: 1, writeFailures: 0, rejected: 0, pending: 0 });
  });

  it('given NATS is down, then record returns at once, the latest write per asset is kept, and the writes land once NATS is back', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'vigil-nats-store-'));
    res.add(() => rmSync(storeDir, { recursive: true, force: true }));
    const n = await nats({ storeDir });
    const ledger = await ledgerOn(n.url, 'e1');
    await n.kill();

    const t0 = performance.now();
    ledger.record('pump-01', { ...TRIP, decidedAtMs: 1000 });
    ledger.record('pump-02', { commandId: 'trip-cmd-43', decidedAtMs: 1001, reason: 'danger' });
    ledger.clear('pump-02');
    ledger.record('bad/asset', { commandId: 'x', decidedAtMs: 1, reason: '' });
    const tookMs = performance.now() - t0;
    expect(tookMs).toBeLessThan(5);
    // Its own queued writes answer at once, without NATS.
    expect([await ledger.latched('pump-01'), await ledger.latched('pump-02')]).toEqual([{ ...TRIP, decidedAtMs: 1000, engineId: 'e1' }, null]);
    expect(ledger.counters()).toMatchObject({ recorded: 0, cleared: 0, rejected: 1, pending: 2 });

    await new Promise((r) => setTimeout(r, 500));
    await nats({ port: n.port, storeDir });
    let flushed = false;
    void ledger.flushed().then(() => (flushed = true));
    await until('the queued writes to land', () => flushed, 10_000);
    const c = ledger.counters();
    expect({ ...c, writeFailures: c.writeFailures > 0 }).toEqual({ recorded: 1, cleared: 1, writeFailures: true, rejected: 1, pending: 0 });
    const other = await ledgerOn(n.url, 'e2');
    expect([await other.latched('pump-01'), await other.latched('pump-02')]).toEqual([{ ...TRIP, decidedAtMs: 1000, engineId: 'e1' }, null]);
  });
});
