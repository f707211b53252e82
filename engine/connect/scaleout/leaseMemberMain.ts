/**
 * Entry of a lease member process: one {@link AssetLeases} engine (without scoring) and its
 * {@link TripLedger}, in a process of its own so the scale-out tests and bench can kill -9 a real
 * holder. Started by `spawnLeaseMember` (`LeaseMemberChild.ts`), never imported.
 *
 * argv[2]: a {@link LeaseMemberConfig} as JSON. stdout: one {@link MemberReport} per line, times on
 * {@link monotonicEpochClock}. stdin: one {@link MemberCommand} per line.
 */
import { createInterface } from 'node:readline';
import { AssetLeases, monotonicEpochClock } from './AssetLeases';
import { connectNats } from './natsKv';
import { LeaseMemberConfigSchema, MemberCommandSchema, type MemberReport } from './LeaseMemberChild';
import { TripLedger } from './TripLedger';

const report = (r: MemberReport) => process.stdout.write(`${JSON.stringify(r)}\n`);
const cfg = LeaseMemberConfigSchema.parse(JSON.parse(process.argv[2] ?? 'null'));
const clock = monotonicEpochClock;
// As an engine integrates it: one connection, the ledger open before the first asset is acquired,
// and each acquired asset's latch read before it is scored.
const connection = await connectNats({ servers: cfg.servers, name: `vigil-member-${cfg.engineId}` });
const ledger = await TripLedger.open({ connection, site: cfg.site, engineId: cfg.engineId });
const leases = await AssetLeases.start({
  connection,
  site: cfg.site,
  engineId: cfg.engineId,
  assetIds: cfg.assetIds,
  leaseMs: cfg.leaseMs,
  clock,
  log: (line) => process.stderr.write(`${line}\n`),
  onAcquired: (assetId, lease) => {
    report({ t: 'acquired', assetId, atMs: clock(), revision: lease.revision });
    ledger.latched(assetId).then(
      (latched) => report({ t: 'latch', assetId, latched }),
      (err: unknown) => report({ t: 'error', message: `latch of ${assetId}: ${(err as Error).message}` }),
    );
  },
  onLost: (assetId, why) => report({ t: 'lost', assetId, atMs: clock(), why }),
});
report({ t: 'ready', pid: process.pid, atMs: clock() });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    json = null;
  }
  const c = MemberCommandSchema.safeParse(json);
  if (!c.success) {
    report({ t: 'error', message: `bad command: ${line}` });
    continue;
  }
  const cmd = c.data;
  if (cmd.cmd === 'trip') {
    ledger.record(cmd.assetId, { commandId: cmd.commandId, decidedAtMs: clock(), reason: cmd.reason, ...(cmd.eventId ? { eventId: cmd.eventId } : {}) });
    await ledger.flushed();
    report({ t: 'recorded', assetId: cmd.assetId, commandId: cmd.commandId });
  } else if (cmd.cmd === 'counters') {
    report({ t: 'counters', counters: leases.counters() as unknown as Record<string, unknown> });
  } else {
    break;
  }
}
ledger.dispose();
await leases.close();
await connection.close();
report({ t: 'closed', atMs: clock() });
process.exit(0);
