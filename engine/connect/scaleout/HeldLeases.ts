import type { KV } from 'nats';
import type { Clock, Disposable, Scheduled, Scheduler } from '../../ingest/scheduling';
import { assetKey } from './kvNames';
import { encodeRecord, type LeaseRecord } from './leaseRecords';
import { isRevisionMismatch } from './natsKv';
import type { PlantView } from './PlantView';

/**
 * The leases one engine holds, and the compare-and-set moves on them: claim (create), renew
 * (update against the last revision), release (delete against it), and the local deadline after
 * which an asset is dropped whether or not NATS answered. {@link AssetLeases} decides *which*
 * assets to claim or hand over; this class makes sure that what it reports as held is held.
 *
 * The deadline: `leaseMs - guardMs` after sending the last renewal the server acknowledged. The
 * server keeps that write for `leaseMs` after storing it, which is later than it was sent, so the
 * engine stops before anyone else can start. `guardMs` absorbs a timer firing late.
 */

/** Why an engine stopped holding an asset. */
export type LossReason =
  /** A renewal was refused on the revision: someone else wrote the lease. */
  | 'revision-mismatch'
  /** No renewal succeeded for the lease time (NATS unreachable, or too slow). */
  | 'expired'
  /** The watch showed another engine's lease on the asset. */
  | 'taken'
  /** The watch showed the lease deleted by someone else (an operator forcing a release). */
  | 'deleted'
  /** Handed over to the member the assignment now names. */
  | 'handover'
  /** This engine is closing. */
  | 'released';

/** An asset's lease as its holder knows it. */
export interface LeaseInfo {
  assetId: string;
  engineId: string;
  /** Bucket revision of the last write the server acknowledged. */
  revision: number;
  /** Unique per claim (see `LeaseRecord.token`). */
  token: string;
  /** When it was claimed, this engine's clock. */
  acquiredAtMs: number;
  /** Until when this engine may act on it without a further renewal, its clock. */
  validUntilMs: number;
}

/** Running totals of the lease moves. */
export interface HeldLeaseCounters {
  claims: number;
  /** Claims refused because the asset was held (normal while a lease runs out). */
  claimConflicts: number;
  /** Claims that failed otherwise (timeouts, no connection). */
  claimErrors: number;
  renewals: number;
  renewFailures: number;
  /** Involuntary losses: revision-mismatch, expired, taken, deleted. */
  losses: number;
  lossesByReason: Record<LossReason, number>;
  handovers: number;
  /** Stray leases of this process removed (a write that landed after it had given up on it). */
  orphansRemoved: number;
  /** Listener exceptions caught (the lease logic carries on). */
  callbackErrors: number;
}

/** What {@link HeldLeases} needs from its owner. */
export interface HeldLeasesDeps {
  kv: KV;
  view: PlantView;
  engineId: string;
  /** Prefix of every token this process writes. */
  instance: string;
  leaseMs: number;
  guardMs: number;
  clock: Clock;
  scheduler: Scheduler;
  onAcquired: (assetId: string, lease: LeaseInfo) => void;
  onLost: (assetId: string, why: LossReason) => void;
  /** Called after a claim lands, so the owner can re-check the assignment. */
  afterAcquire: () => void;
  log: (line: string) => void;
}

interface Held {
  token: string;
  revision: number;
  acquiredAtMs: number;
  deadlineMs: number;
  renewing: boolean;
}

const INVOLUNTARY: readonly LossReason[] = ['revision-mismatch', 'expired', 'taken', 'deleted'];

/** One engine's held leases and the compare-and-set moves on them (see the file comment). */
export class HeldLeases implements Disposable {
  private readonly held = new Map<string, Held>();
  private readonly claiming = new Map<string, string>();
  private readonly pending = new Set<Promise<unknown>>();
  private deadlineTimer: { at: number; h: Scheduled } | null = null;
  private tokenSeq = 0;
  private closed = false;
  private readonly count: HeldLeaseCounters = {
    claims: 0,
    claimConflicts: 0,
    claimErrors: 0,
    renewals: 0,
    renewFailures: 0,
    losses: 0,
    lossesByReason: { 'revision-mismatch': 0, expired: 0, taken: 0, deleted: 0, handover: 0, released: 0 },
    handovers: 0,
    orphansRemoved: 0,
    callbackErrors: 0,
  };

  constructor(private readonly d: HeldLeasesDeps) {}

  /** Whether `assetId` is held and its deadline not yet passed, checked now. */
  holds(assetId: string): boolean {
    const h = this.held.get(assetId);
    return h !== undefined && this.d.clock() < h.deadlineMs;
  }

  /** Held, or a claim of it in flight: nothing more to do for it now. */
  busy(assetId: string): boolean {
    return this.held.has(assetId) || this.claiming.has(assetId);
  }

  /** Ids of the held assets (including any whose deadline passes this very moment). */
  ids(): string[] {
    return [...this.held.keys()];
  }

  /** The lease of `assetId` if held now. */
  lease(assetId: string): LeaseInfo | null {
    const h = this.held.get(assetId);
    return h && this.d.clock() < h.deadlineMs ? this.info(assetId, h) : null;
  }

  /** A copy of the running totals. */
  counters(): HeldLeaseCounters {
    return { ...this.count, lossesByReason: { ...this.count.lossesByReason } };
  }

  /** Tries to create the lease of a free asset; `onAcquired` follows if the server accepts. */
  claim(assetId: string): void {
    if (this.closed || this.busy(assetId)) return;
    const token = `${this.d.instance}.${++this.tokenSeq}`;
    const sentAtMs = this.d.clock();
    this.claiming.set(assetId, token);
    const rec: LeaseRecord = { engineId: this.d.engineId, token, acquiredAtMs: sentAtMs, renewedAtMs: sentAtMs };
    this.track(this.d.kv.create(assetKey(assetId), encodeRecord(rec))).then(
      (revision) => {
        this.claiming.delete(assetId);
        const h: Held = { token, revision, acquiredAtMs: sentAtMs, deadlineMs: sentAtMs + this.d.leaseMs - this.d.guardMs, renewing: false };
        if (this.closed || this.d.clock() >= h.deadlineMs) {
          void this.deleteLease(assetId, revision);
          return;
        }
        this.held.set(assetId, h);
        this.count.claims++;
        this.armDeadline();
        this.call(() => this.d.onAcquired(assetId, this.info(assetId, h)));
        this.d.afterAcquire();
      },
      (err: unknown) => {
        this.claiming.delete(assetId);
        if (isRevisionMismatch(err)) {
          this.count.claimConflicts++;
          return;
        }
        this.count.claimErrors++;
        // The create may have landed after the client gave up: if the watch shows it, remove it.
        const seen = this.d.view.lease(assetId, this.d.clock());
        if (seen?.record?.token === token) this.removeOrphan(assetId, seen.record, seen.revision);
      },
    );
  }

  /** Renews every held lease that has no renewal in flight. */
  renewAll(): void {
    for (const assetId of this.held.keys()) this.renew(assetId);
  }

  /** Drops the asset (`onLost` first), then deletes its lease so the next owner can claim at once. */
  release(assetId: string, why: 'handover' | 'released'): Promise<void> {
    const h = this.held.get(assetId);
    if (!h) return Promise.resolve();
    this.drop(assetId, why);
    return this.deleteLease(assetId, h.revision);
  }

  /**
   * A write to an asset's lease seen by the watch. Someone else's write on a held asset means it is
   * theirs now: dropped at once. A live lease with this process's token that it does not hold is
   * an orphan and deleted.
   */
  observed(assetId: string, op: 'PUT' | 'DEL' | 'PURGE', revision: number, rec: LeaseRecord | null): void {
    const h = this.held.get(assetId);
    if (h && revision > h.revision && (op !== 'PUT' || rec?.token !== h.token)) this.drop(assetId, op === 'PUT' ? 'taken' : 'deleted');
    if (rec) this.removeOrphan(assetId, rec, revision);
  }

  /** Sweeps the view for orphans (writes of this process that landed after it had given up). */
  removeOrphans(): void {
    for (const l of this.d.view.liveLeases(this.d.clock())) if (l.record) this.removeOrphan(l.assetId, l.record, l.revision);
  }

  /** Releases everything and waits for every request in flight; claims that land later are deleted. */
  async closeAll(): Promise<void> {
    this.closed = true;
    this.deadlineTimer?.h.cancel();
    this.deadlineTimer = null;
    await Promise.allSettled(this.ids().map((assetId) => this.release(assetId, 'released')));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** {@link closeAll} without waiting. */
  dispose(): void {
    void this.closeAll();
  }

  private renew(assetId: string): void {
    const h = this.held.get(assetId);
    if (!h || h.renewing) return;
    h.renewing = true;
    const sentAtMs = this.d.clock();
    const rec: LeaseRecord = { engineId: this.d.engineId, token: h.token, acquiredAtMs: h.acquiredAtMs, renewedAtMs: sentAtMs };
    this.track(this.d.kv.update(assetKey(assetId), encodeRecord(rec), h.revision)).then(
      (revision) => {
        h.renewing = false;
        if (this.held.get(assetId) !== h) {
          // Dropped while the renewal was in flight: the lease it just extended is an orphan.
          void this.deleteLease(assetId, revision);
          return;
        }
        h.revision = revision;
        h.deadlineMs = Math.max(h.deadlineMs, sentAtMs + this.d.leaseMs - this.d.guardMs);
        this.count.renewals++;
      },
      (err: unknown) => {
        h.renewing = false;
        this.count.renewFailures++;
        if (this.held.get(assetId) !== h || !isRevisionMismatch(err)) return;
        // An earlier renewal of ours that timed out may have landed after all: then the watch
        // shows our token at a later revision, and nobody else can have written in between.
        // The deadline stays that of the last acknowledged renewal, which is earlier.
        const seen = this.d.view.lease(assetId, this.d.clock());
        if (seen?.record?.token === h.token && seen.revision > h.revision) {
          h.revision = seen.revision;
          return;
        }
        this.drop(assetId, 'revision-mismatch');
      },
    );
  }

  private drop(assetId: string, why: LossReason): void {
    if (!this.held.delete(assetId)) return;
    this.count.lossesByReason[why]++;
    if (INVOLUNTARY.includes(why)) this.count.losses++;
    if (why === 'handover') this.count.handovers++;
    this.d.log(`${this.d.engineId}: lost ${assetId} (${why})`);
    this.call(() => this.d.onLost(assetId, why));
  }

  private deleteLease(assetId: string, revision: number): Promise<void> {
    return this.track(this.d.kv.delete(assetKey(assetId), { previousSeq: revision })).catch(() => {
      // Someone wrote since (then it is theirs), or NATS is down (then it expires with its TTL).
    });
  }

  private removeOrphan(assetId: string, rec: LeaseRecord, revision: number): void {
    if (!rec.token.startsWith(`${this.d.instance}.`) || this.claiming.get(assetId) === rec.token) return;
    if (this.held.get(assetId)?.token === rec.token) return;
    this.count.orphansRemoved++;
    void this.deleteLease(assetId, revision);
  }

  /** Drops every held asset whose deadline has passed, then re-arms for the next deadline. */
  private expire(): void {
    this.deadlineTimer = null;
    const now = this.d.clock();
    for (const [assetId, h] of [...this.held]) if (now >= h.deadlineMs) this.drop(assetId, 'expired');
    this.armDeadline();
  }

  private armDeadline(): void {
    let next = Infinity;
    for (const h of this.held.values()) next = Math.min(next, h.deadlineMs);
    if (this.closed || next === Infinity || (this.deadlineTimer && this.deadlineTimer.at <= next)) return;
    this.deadlineTimer?.h.cancel();
    this.deadlineTimer = { at: next, h: this.d.scheduler.after(next - this.d.clock(), () => this.expire()) };
  }

  private info(assetId: string, h: Held): LeaseInfo {
    return { assetId, engineId: this.d.engineId, revision: h.revision, token: h.token, acquiredAtMs: h.acquiredAtMs, validUntilMs: h.deadlineMs };
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.count.callbackErrors++;
      this.d.log(`${this.d.engineId}: a lease listener threw: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }
}
