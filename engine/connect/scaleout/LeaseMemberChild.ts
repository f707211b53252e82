import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { monotonicEpochClock } from './AssetLeases';
import { TripRecordSchema } from './TripLedger';

/**
 * A lease member running in a child process (`leaseMemberMain.ts`), seen from its parent: what
 * it reports, how to command it, and how to kill it the way a crash would. The scale-out tests
 * and bench use it to show what happens to a plant when an engine process dies mid-lease; the
 * protocol is typed and parsed on both sides, as everything crossing a process boundary is.
 */

/** What the child is started with (argv[2], JSON). */
export const LeaseMemberConfigSchema = z.object({
  servers: z.array(z.string().min(1)).min(1),
  site: z.string().min(1),
  engineId: z.string().min(1),
  assetIds: z.array(z.string().min(1)),
  leaseMs: z.number().positive(),
});
/** A member process's configuration: one engine of a site, its assets and the lease time. */
export type LeaseMemberConfig = z.infer<typeof LeaseMemberConfigSchema>;

/** A command to the child (stdin, one JSON per line). */
export const MemberCommandSchema = z.discriminatedUnion('cmd', [
  /** Record a trip in the ledger as the trip path would; the child reports `recorded` once it has landed. */
  z.object({ cmd: z.literal('trip'), assetId: z.string().min(1), commandId: z.string().min(1), eventId: z.string().min(1).optional(), reason: z.string() }),
  z.object({ cmd: z.literal('counters') }),
  /** Leave gracefully: release every lease, then exit. */
  z.object({ cmd: z.literal('close') }),
]);
/** What the parent can ask of a member process. */
export type MemberCommand = z.infer<typeof MemberCommandSchema>;

const why = z.enum(['revision-mismatch', 'expired', 'taken', 'deleted', 'handover', 'released']);

/** A report from the child (stdout, one JSON per line; times on its {@link monotonicEpochClock}). */
export const MemberReportSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ready'), pid: z.number(), atMs: z.number() }),
  z.object({ t: z.literal('acquired'), assetId: z.string(), atMs: z.number(), revision: z.number() }),
  z.object({ t: z.literal('latch'), assetId: z.string(), latched: TripRecordSchema.nullable() }),
  z.object({ t: z.literal('lost'), assetId: z.string(), atMs: z.number(), why }),
  z.object({ t: z.literal('recorded'), assetId: z.string(), commandId: z.string() }),
  z.object({ t: z.literal('counters'), counters: z.record(z.string(), z.unknown()) }),
  z.object({ t: z.literal('closed'), atMs: z.number() }),
  z.object({ t: z.literal('error'), message: z.string() }),
]);
/** What a member process tells its parent: the ownership log, latches read, trips recorded. */
export type MemberReport = z.infer<typeof MemberReportSchema>;

/** The parent's handle on a member process. */
export interface LeaseMember {
  readonly engineId: string;
  readonly pid: number;
  /** Every report so far, in order. */
  readonly reports: readonly MemberReport[];
  /** The first report (past or future) matching `pred`; rejects after `timeoutMs` or if the child exits first. */
  waitFor<T extends MemberReport>(pred: (r: MemberReport) => r is T, timeoutMs: number): Promise<T>;
  send(cmd: MemberCommand): void;
  /** SIGKILL now; resolves with when it was sent and when the child was seen gone (parent's clock). */
  kill(): Promise<{ killedAtMs: number; exitedAtMs: number }>;
  /** Asks it to leave gracefully; SIGKILL if it has not exited after `graceMs`. */
  close(graceMs?: number): Promise<void>;
  /** Its stderr so far (lease log lines, errors). */
  stderr(): string;
}

/** Starts a member process and resolves once it has joined (reported `ready`). */
export async function spawnLeaseMember(cfg: LeaseMemberConfig, o: { readyTimeoutMs?: number } = {}): Promise<LeaseMember> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const entry = fileURLToPath(new URL('./leaseMemberMain.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', tsx, entry, JSON.stringify(LeaseMemberConfigSchema.parse(cfg))], { stdio: ['pipe', 'pipe', 'pipe'] });
  const reports: MemberReport[] = [];
  const listeners = new Set<() => void>();
  let err = '';
  let exitedAtMs: number | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exitedAtMs = monotonicEpochClock();
      for (const l of listeners) l();
      resolve();
    });
  });
  child.stderr.on('data', (d: Buffer) => (err = (err + String(d)).slice(-50_000)));
  // A command written as the child dies fails with EPIPE; its exit is what the parent acts on.
  child.stdin.on('error', () => {});
  createInterface({ input: child.stdout }).on('line', (line) => {
    let r: MemberReport;
    try {
      r = MemberReportSchema.parse(JSON.parse(line));
    } catch {
      err += `\n[unparsed stdout] ${line}`;
      return;
    }
    reports.push(r);
    for (const l of listeners) l();
  });
  const waitFor = <T extends MemberReport>(pred: (r: MemberReport) => r is T, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = reports.find(pred);
        if (hit) done(() => resolve(hit));
        else if (exitedAtMs !== null) done(() => reject(new Error(`${cfg.engineId} exited before the awaited report: ${err.trim().slice(-2000)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${cfg.engineId}: no awaited report within ${timeoutMs} ms: ${err.trim().slice(-2000)}`))), timeoutMs);
      const done = (fn: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        fn();
      };
      listeners.add(check);
      check();
    });
  const member: LeaseMember = {
    engineId: cfg.engineId,
    pid: child.pid!,
    reports,
    waitFor,
    send: (cmd) => {
      child.stdin.write(`${JSON.stringify(MemberCommandSchema.parse(cmd))}\n`);
    },
    kill: async () => {
      const killedAtMs = monotonicEpochClock();
      if (exitedAtMs === null) child.kill('SIGKILL');
      await exited;
      return { killedAtMs, exitedAtMs: exitedAtMs! };
    },
    close: async (graceMs = 5000) => {
      if (exitedAtMs !== null) return;
      child.stdin.write(`${JSON.stringify({ cmd: 'close' })}\n`);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    stderr: () => err,
  };
  try {
    await waitFor((r): r is Extract<MemberReport, { t: 'ready' }> => r.t === 'ready', o.readyTimeoutMs ?? 20_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return member;
}
