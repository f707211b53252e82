import { monotonicEpochClock } from '../connect/scaleout/AssetLeases';
import { spawnLeaseMember, type LeaseMember } from '../connect/scaleout/LeaseMemberChild';
import { NATS_SERVER, startNatsServer } from '../connect/scaleout/natsPeer';
import { findOverlaps, ownershipIntervals, type OwnershipEvent } from '../connect/scaleout/ownershipTimeline';
import { percentile, round } from './stats';

type Metrics = Record<string, number>;

/** Assets each member process holds now, from its reports. */
function holdings(m: LeaseMember): string[] {
  const held = new Set<string>();
  for (const r of m.reports) {
    if (r.t === 'acquired') held.add(r.assetId);
    else if (r.t === 'lost') held.delete(r.assetId);
  }
  return [...held].sort();
}

/** Acquire and lose events of every member; a killed member's holdings end when it was seen gone. */
function eventsOf(members: readonly LeaseMember[], ended: ReadonlyMap<string, number>): OwnershipEvent[] {
  const out: OwnershipEvent[] = [];
  for (const m of members) {
    for (const r of m.reports) {
      if (r.t === 'acquired' || r.t === 'lost') out.push({ engineId: m.engineId, assetId: r.assetId, kind: r.t, atMs: r.atMs });
    }
    const end = ended.get(m.engineId);
    if (end !== undefined) for (const a of holdings(m)) out.push({ engineId: m.engineId, assetId: a, kind: 'lost', atMs: end });
  }
  return out;
}

async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const by = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > by) throw new Error(`scale-out bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Phase: failover of the scale-out layer. `engines` lease members, each in its own process, share
 * `assets` assets through a real nats-server (JetStream KV on loopback, lease `leaseMs`, renewed
 * every third of it). Once every asset is held by exactly one member, the member holding the most
 * is killed with SIGKILL, as a crash would; `scaleout.failover_s` runs from the kill to the last of
 * its assets being acquired by a survivor (worst of `trials`, each on a fresh bucket). The stated
 * bound is `leaseMs + renew period + watch latency` (`scaleout.failover_bound_s` without the
 * latency). Every acquire and loss is checked for two members holding one asset at once
 * (`scaleout.overlaps`, which must be 0). Skipped, saying why, without nats-server.
 */
export async function scaleoutBench(m: Metrics, log: (l: string) => void, o: { engines?: number; assets?: number; leaseMs?: number; trials?: number } = {}): Promise<void> {
  if (!NATS_SERVER) {
    log('scale-out phase skipped: nats-server is not installed (apt-get install nats-server)');
    return;
  }
  const engines = o.engines ?? 3;
  const assetCount = o.assets ?? 12;
  const leaseMs = o.leaseMs ?? 1000;
  const trials = o.trials ?? 3;
  const renewMs = Math.floor(leaseMs / 3);
  const assetIds = Array.from({ length: assetCount }, (_, i) => `asset-${String(i + 1).padStart(3, '0')}`);
  const nats = await startNatsServer();
  const failoverMs: number[] = [];
  let overlaps = 0;
  let victimAssets = 0;
  try {
    for (let t = 0; t < trials; t++) {
      const site = `bench${t}`;
      const members = await Promise.all(Array.from({ length: engines }, (_, i) => spawnLeaseMember({ servers: [nats.url], site, engineId: `e${i + 1}`, assetIds, leaseMs })));
      const ended = new Map<string, number>();
      try {
        const spread = () => members.map((x) => holdings(x).length);
        await until('every asset held by exactly one member, evenly', () => {
          const held = members.flatMap(holdings);
          const s = spread();
          return held.length === assetCount && new Set(held).size === assetCount && Math.max(...s) - Math.min(...s) <= 1;
        }, 15_000);
        const victim = members.reduce((a, b) => (holdings(b).length > holdings(a).length ? b : a));
        const lost = holdings(victim);
        const survivors = members.filter((x) => x !== victim);
        const { killedAtMs, exitedAtMs } = await victim.kill();
        ended.set(victim.engineId, exitedAtMs);
        await until('the survivors to hold the killed member\'s assets', () => lost.every((a) => survivors.some((s) => holdings(s).includes(a))), leaseMs * 3 + 5000);
        const takenAtMs = lost.map((a) => Math.min(...survivors.flatMap((s) => s.reports.filter((r) => r.t === 'acquired' && r.assetId === a && r.atMs >= killedAtMs).map((r) => (r as { atMs: number }).atMs))));
        failoverMs.push(Math.max(...takenAtMs) - killedAtMs);
        victimAssets = lost.length;
        const timeline = ownershipIntervals(eventsOf(members, ended), monotonicEpochClock());
        overlaps += findOverlaps(timeline.intervals).length + timeline.anomalies.length;
      } finally {
        await Promise.all(members.map((x) => x.close()));
      }
    }
  } finally {
    await nats.stop();
  }
  m['scaleout.engines'] = engines;
  m['scaleout.assets'] = assetCount;
  m['scaleout.lease_ms'] = leaseMs;
  m['scaleout.renew_ms'] = renewMs;
  m['scaleout.failover_s'] = round(Math.max(...failoverMs) / 1000, 3);
  m['scaleout.failover_s.min'] = round(Math.min(...failoverMs) / 1000, 3);
  m['scaleout.failover_bound_s'] = round((leaseMs + renewMs) / 1000, 3);
  m['scaleout.overlaps'] = overlaps;
  log(
    `scale-out: ${engines} engine processes share ${assetCount} assets through nats-server JetStream KV (lease ${leaseMs} ms, renewed every ${renewMs} ms); ` +
      `kill -9 of the member holding ${victimAssets}: all its assets held by survivors after ${failoverMs.map((x) => (x / 1000).toFixed(3)).join(', ')} s ` +
      `(${trials} trials, p50 ${(percentile(failoverMs, 50) / 1000).toFixed(3)} s; stated bound ${((leaseMs + renewMs) / 1000).toFixed(3)} s + watch latency); ` +
      `two members holding one asset at once: ${overlaps}`,
  );
}
