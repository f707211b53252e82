import { createHash, randomBytes } from 'node:crypto';
import type { KV, KvEntry, NatsConnection } from 'nats';
import { nodeScheduler, type Clock, type Disposable, type Scheduled, type Scheduler } from '../../ingest/scheduling';
import { HeldLeases, type HeldLeaseCounters, type LeaseInfo, type LossReason } from './HeldLeases';
import { leaseBucketName, memberKey } from './kvNames';
import { applyLeaseBucketEntry } from './leaseBucketEntry';
import { encodeRecord, type MemberRecord } from './leaseRecords';
import { connectNats, followConnection, isMissingStream, KvFollower, openBucket } from './natsKv';
import { PlantView, type PlantSnapshot } from './PlantView';
import { assignAssets } from './rendezvous';

/**
 * Lets several Vigil engines share one plant: each asset is scored by exactly one engine at a
 * time, and when an engine dies its assets move to the others.
 *
 * Why leases and not MQTT 5 shared subscriptions: a shared subscription splits per message, so one
 * asset's frames would be spread over engines and no engine would see a whole waveform. Instead
 * each engine holds a lease per asset in a NATS JetStream key-value bucket (`vigil_<site>_leases`,
 * history 1, TTL = `leaseMs`) and subscribes only to the topics of the assets it holds.
 *
 * How an asset changes hands:
 * - Every engine writes `engine.<id>` each renew period (`leaseMs / 3`); it is a live member while
 *   that key is younger than `leaseMs`. From the live members every engine computes the same
 *   assignment (rendezvous hashing with bounded loads, `rendezvous.ts`).
 * - An engine claims an asset assigned to it only when it is free: `kv.create`, which the server
 *   refuses while anyone's lease is there. A live lease is never stolen.
 * - It renews with `kv.update` against the revision it last wrote (compare-and-set). If the server
 *   refuses on the revision, someone else holds the asset now: it is dropped at once (`onLost`).
 * - When a member joins, an owner whose asset is now assigned to the newcomer drops it (`onLost`
 *   'handover') and only then deletes the lease; the newcomer sees the delete and claims it.
 * - An engine that dies stops renewing; the server forgets its leases `leaseMs` after their last
 *   renewal, the survivors' views mark them free at the same moment, and the new assignees claim.
 *
 * Never two engines at once: an engine treats an asset as held only until `leaseMs - guardMs`
 * after *sending* its last renewal the server acknowledged, while the server keeps that lease for
 * `leaseMs` after *storing* it, which is later. If it cannot renew (NATS down, partitioned) it
 * drops the asset at that deadline, even though nobody told it to: Vigil fails toward "nobody
 * scores" rather than "two engines trip the same machine". The trip path should still ask
 * {@link AssetLeases.holds}, which checks the deadline on the spot in case the event loop ran late.
 * Assumed: the NATS server's clock does not jump forward by more than `guardMs` and the server
 * keeps acknowledged writes across a restart (file storage, enforced).
 *
 * Stated failover time (engine killed to its assets held by survivors):
 * at most `leaseMs + renewPeriodMs + watch latency`. The lease runs `leaseMs` from its last renewal
 * (sent at most `renewPeriodMs` before the kill, so usually less than `leaseMs` remains); a claim
 * that races the server's expiry is retried on the next renew tick; the watch adds its latency (a
 * millisecond on a LAN). A graceful shutdown or handover releases at once: failover is then the
 * watch latency plus one claim. After NATS itself was unreachable, engines claim again `leaseMs`
 * after reconnecting (a server that lost its store cannot show leases still held).
 *
 * Integrating an engine: open one connection (`connectNats`), open the `TripLedger` on it, then
 * start this with `connection`, so the ledger is there for the first `onAcquired`. In `onAcquired`,
 * read the asset's latch (`ledger.latched(assetId)`) and restore it, then subscribe to
 * `vigil/v1/<site>/<asset>/+/wave` and `.../+/value`; if `onLost` comes first, do neither. In
 * `onLost`, unsubscribe and stop scoring and tripping that asset at once (drop its queued frames).
 * Gate every trip command on `holds(assetId)`; record each trip with `ledger.record` right after
 * commanding it, and an operator's reset with `ledger.clear`.
 */

export type { LeaseInfo, LossReason } from './HeldLeases';

/** Running totals, for the console's status and the bench. */
export interface LeaseCounters extends HeldLeaseCounters {
  disconnects: number;
  reconnects: number;
  /** Times this engine found the lease bucket gone (a server back with an empty store) and recreated it. */
  bucketsRecreated: number;
}

/** Options for {@link AssetLeases.start}. */
export interface AssetLeasesOptions {
  /**
   * NATS servers, `host:port` or `nats://host:port`: a connection of its own, closed by `close()`.
   * Or pass `connection` instead.
   */
  servers?: string | string[];
  /**
   * An open connection (from `connectNats`) to share, e.g. with the `TripLedger`, which must be
   * open before the first `onAcquired`; left open by `close()`.
   */
  connection?: NatsConnection;
  /** Site id, `[-_a-zA-Z0-9]`; names the bucket. */
  site: string;
  /** This engine's id, unique in the site. */
  engineId: string;
  /** Every asset of the plant (all engines of a site must list the same). */
  assetIds: readonly string[];
  /** Lease time in ms; the bucket's TTL. Every engine of a site must use the same. */
  leaseMs: number;
  /**
   * This engine now holds `assetId`: restore its latch, then start scoring it. Called
   * synchronously when the claim is acknowledged; an exception is caught and counted.
   */
  onAcquired: (assetId: string, lease: LeaseInfo) => void;
  /** This engine must stop scoring and tripping `assetId`, at once (before returning). */
  onLost: (assetId: string, why: LossReason) => void;
  /** Renew period (default `leaseMs / 3`). */
  renewPeriodMs?: number;
  /** Safety margin before the deadline (default 5 % of `leaseMs`, at least 10 ms). */
  guardMs?: number;
  /** Local clock in epoch ms; must not jump (default {@link monotonicEpochClock}). */
  clock?: Clock;
  /** Wall clock, only to age the values a fresh watch delivers (default `Date.now`). */
  wallClock?: Clock;
  scheduler?: Scheduler;
  /** Random per process by default; prefixes every lease token this process writes. */
  instanceId?: string;
  log?: (line: string) => void;
}

/**
 * The default clock: epoch-scaled but monotonic (a wall-clock step cannot stretch a lease), and
 * comparable between processes on one host to about a millisecond.
 */
export const monotonicEpochClock: Clock = () => performance.timeOrigin + performance.now();

/** One engine's membership in a site's scale-out group: see the file comment. */
export class AssetLeases implements Disposable {
  readonly engineId: string;
  readonly site: string;
  readonly leaseMs: number;
  readonly renewPeriodMs: number;
  readonly guardMs: number;
  private readonly assetIds: readonly string[];
  private readonly clock: Clock;
  private readonly wallClock: Clock;
  private readonly scheduler: Scheduler;
  private readonly log: (line: string) => void;
  private readonly view: PlantView;
  private readonly leases: HeldLeases;
  private readonly member: MemberRecord;
  private readonly disposables: Disposable[] = [];
  private follower: KvFollower | null = null;
  private synced = false;
  private connected = true;
  private closing: Promise<void> | null = null;
  private memberPut: Promise<unknown> | null = null;
  private evaluateQueued: Scheduled | null = null;
  private viewTimer: { at: number; h: Scheduled } | null = null;
  private assignmentKey = '';
  private assignment = new Map<string, string>();
  private readonly warnedPlantDigest = new Set<string>();
  private disconnects = 0;
  private reconnects = 0;
  private bucketsRecreated = 0;
  private recreating = false;
  /** No claims before this (after recreating a lost bucket: until every old holder has dropped). */
  private claimHoldOffUntilMs = 0;

  private constructor(
    o: AssetLeasesOptions,
    /** The NATS connection (its own, or the one passed in). */
    readonly connection: NatsConnection,
    private readonly kv: KV,
    private readonly ownsConnection: boolean,
  ) {
    this.engineId = o.engineId;
    this.site = o.site;
    this.leaseMs = o.leaseMs;
    this.renewPeriodMs = o.renewPeriodMs ?? Math.floor(o.leaseMs / 3);
    this.guardMs = o.guardMs ?? Math.max(10, Math.round(o.leaseMs * 0.05));
    this.assetIds = [...new Set(o.assetIds)].sort();
    this.clock = o.clock ?? monotonicEpochClock;
    this.wallClock = o.wallClock ?? Date.now;
    this.scheduler = o.scheduler ?? nodeScheduler;
    this.log = o.log ?? (() => {});
    this.view = new PlantView(this.assetIds, o.leaseMs);
    const instance = o.instanceId ?? randomBytes(6).toString('hex');
    const plantDigest = createHash('sha256').update(this.assetIds.join('\u0000')).digest('hex').slice(0, 16);
    this.member = { engineId: o.engineId, instance, startedAtMs: this.clock(), plantDigest };
    this.leases = new HeldLeases({
      kv,
      view: this.view,
      engineId: o.engineId,
      instance,
      leaseMs: o.leaseMs,
      guardMs: this.guardMs,
      clock: this.clock,
      scheduler: this.scheduler,
      onAcquired: o.onAcquired,
      onLost: o.onLost,
      afterAcquire: () => this.queueEvaluate(),
      log: this.log,
    });
  }

  /**
   * Connects, opens the site's bucket, joins as a member and starts claiming. Resolves once this
   * engine has seen the whole bucket (claims follow asynchronously, reported by `onAcquired`).
   * Rejects if NATS cannot be reached now or the bucket's TTL is not `leaseMs`.
   */
  static async start(o: AssetLeasesOptions): Promise<AssetLeases> {
    const renewPeriodMs = o.renewPeriodMs ?? Math.floor(o.leaseMs / 3);
    if (!(o.leaseMs >= 100)) throw new Error(`leaseMs ${o.leaseMs} is too short: at least 100 ms`);
    if (!(renewPeriodMs > 0 && renewPeriodMs <= o.leaseMs / 2)) throw new Error(`renewPeriodMs ${renewPeriodMs} must be positive and at most half of leaseMs ${o.leaseMs}`);
    // A guard eating into the renew margin would let every lease lapse between two renewals.
    if (o.guardMs !== undefined && !(o.guardMs >= 0 && o.guardMs < (o.leaseMs - renewPeriodMs) / 2)) throw new Error(`guardMs ${o.guardMs} must be at least 0 and under half of leaseMs - renewPeriodMs`);
    // A request outliving the renew period would only be answered after the next renewal was due.
    const timeoutMs = Math.max(50, renewPeriodMs);
    if ((o.servers === undefined) === (o.connection === undefined)) throw new Error('AssetLeases: pass either servers or connection');
    const ownsConnection = o.connection === undefined;
    const nc = o.connection ?? (await connectNats({ servers: o.servers!, name: `vigil-engine-${o.engineId}` }));
    let leases: AssetLeases | null = null;
    try {
      const kv = await openBucket(nc, leaseBucketName(o.site), { ttlMs: o.leaseMs, timeoutMs });
      leases = new AssetLeases(o, nc, kv, ownsConnection);
      await leases.begin();
      return leases;
    } catch (err) {
      if (leases) await leases.close().catch(() => {});
      else if (ownsConnection) await nc.close().catch(() => {});
      throw err;
    }
  }

  /** Asset ids this engine holds now, sorted. */
  heldAssets(): string[] {
    return this.leases.ids().filter((id) => this.leases.holds(id)).sort();
  }

  /** Whether this engine may act on `assetId` right now (checks the deadline on the spot). */
  holds(assetId: string): boolean {
    return this.leases.holds(assetId);
  }

  /** This engine's lease of `assetId`, or null. */
  lease(assetId: string): LeaseInfo | null {
    return this.leases.lease(assetId);
  }

  /** The engine holding `assetId`'s live lease as this engine's watch sees it, or null (one map lookup, unlike `plant()`). */
  ownerOf(assetId: string): string | null {
    return this.view.lease(assetId, this.clock())?.record?.engineId ?? null;
  }

  /** The whole plant as this engine's watch sees it: every asset's owner and since when, every member. */
  plant(): PlantSnapshot {
    return this.view.snapshot(this.clock());
  }

  /** A copy of the counters. */
  counters(): LeaseCounters {
    return { ...this.leases.counters(), disconnects: this.disconnects, reconnects: this.reconnects, bucketsRecreated: this.bucketsRecreated };
  }

  /**
   * Leaves the site: every held asset is reported lost ('released') and then deleted, so the next
   * owner need not wait for the TTL; the membership is deleted and its own connection closed.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** {@link close} without waiting. */
  dispose(): void {
    void this.close();
  }

  private async begin(): Promise<void> {
    this.disposables.push({ dispose: () => this.evaluateQueued?.cancel() });
    this.disposables.push({ dispose: () => this.viewTimer?.h.cancel() });
    this.disposables.push(followConnection(this.connection, { disconnect: () => this.onDisconnect(), reconnect: () => this.onReconnect() }, this.log));
    await this.kv.put(memberKey(this.engineId), encodeRecord(this.member));
    this.follower = new KvFollower(
      this.kv,
      {
        onResyncStart: () => {
          this.synced = false;
          this.view.beginResync();
        },
        onEntry: (e, initial) => this.onEntry(e, initial),
        onSynced: () => {
          this.view.endResync();
          this.synced = true;
          this.queueEvaluate();
          this.armViewTimer();
        },
        onWatchError: (err) => {
          if (isMissingStream(err)) void this.recreateBucket();
        },
      },
      { scheduler: this.scheduler, retryMs: this.renewPeriodMs, log: this.log },
    );
    this.disposables.push(this.follower);
    await this.follower.firstSync;
    let tick: Scheduled | null = null;
    const loop = () => {
      tick = this.scheduler.after(this.renewPeriodMs, () => {
        this.tick();
        loop();
      });
    };
    loop();
    this.disposables.push({ dispose: () => tick?.cancel() });
  }

  private onDisconnect(): void {
    this.connected = false;
    this.disconnects++;
    this.log(`${this.engineId}: NATS disconnected`);
  }

  /** Rejoins at once, renews at once and restarts the watch; claims wait a lease time. */
  private onReconnect(): void {
    this.connected = true;
    this.reconnects++;
    this.log(`${this.engineId}: NATS reconnected`);
    // If the server lost its store, a free-looking asset may still be held by an engine that has
    // not yet failed a renewal: claim nothing for a lease time. Our own leases are renewed at
    // once, so a lost one is noticed now rather than at the next tick.
    this.claimHoldOffUntilMs = Math.max(this.claimHoldOffUntilMs, this.clock() + this.leaseMs);
    this.leases.renewAll();
    this.putMember();
    this.follower?.restart();
  }

  /**
   * The server came back without the bucket (an empty store). Recreate it, but claim nothing for a
   * lease time: a holder from before still acts until its deadline (its renewals now fail), and
   * the new bucket cannot tell anyone about it.
   */
  private async recreateBucket(): Promise<void> {
    if (this.recreating || this.closing) return;
    this.recreating = true;
    try {
      await openBucket(this.connection, leaseBucketName(this.site), { ttlMs: this.leaseMs, timeoutMs: Math.max(50, this.renewPeriodMs) });
      this.bucketsRecreated++;
      this.claimHoldOffUntilMs = this.clock() + this.leaseMs;
      this.log(`${this.engineId}: the lease bucket was gone; recreated it, claiming nothing for ${this.leaseMs} ms`);
      this.putMember();
    } catch (err) {
      this.log(`${this.engineId}: could not recreate the lease bucket: ${(err as Error).message}`);
    } finally {
      this.recreating = false;
    }
  }

  private tick(): void {
    if (this.closing) return;
    this.putMember();
    this.leases.renewAll();
    this.leases.removeOrphans();
    this.evaluate();
  }

  private putMember(): void {
    if (this.memberPut || this.closing) return;
    this.memberPut = this.kv
      .put(memberKey(this.engineId), encodeRecord(this.member))
      .catch(() => {})
      .finally(() => (this.memberPut = null));
  }

  private onEntry(e: KvEntry, initial: boolean): void {
    const a = applyLeaseBucketEntry(this.view, e, initial, { nowMs: this.clock(), wallNowMs: this.wallClock(), leaseMs: this.leaseMs });
    if (!a) return;
    if (a.kind === 'member') {
      if (a.record) this.checkPeer(a.record);
      // Renewals of a live member change nothing; a join or a leave changes the assignment.
      if (a.joined || a.op !== 'PUT') this.queueEvaluate();
    } else {
      this.leases.observed(a.assetId, a.op, a.revision, a.record);
      if (a.newHolder) this.queueEvaluate();
    }
    if (a.op === 'PUT') this.armViewTimer(a.seenAtMs + this.leaseMs);
  }

  /** Reports (once per peer) a second process with this engine id, or a peer with another asset list. */
  private checkPeer(rec: MemberRecord): void {
    if (rec.engineId === this.engineId && rec.instance !== this.member.instance) this.log(`${this.engineId}: another process (instance ${rec.instance}) uses this engine id`);
    if (rec.plantDigest !== this.member.plantDigest && !this.warnedPlantDigest.has(rec.engineId)) {
      this.warnedPlantDigest.add(rec.engineId);
      this.log(`${this.engineId}: engine ${rec.engineId} lists different assets; an asset only one of us lists may be left unscored`);
    }
  }

  private queueEvaluate(): void {
    if (this.evaluateQueued || this.closing) return;
    this.evaluateQueued = this.scheduler.soon(() => {
      this.evaluateQueued = null;
      this.evaluate();
    });
  }

  /** Hands over what the assignment gives to another member, and claims what it gives us that is free. */
  private evaluate(): void {
    // Disconnected, the view is not being fed and decays (others' memberships seem to die one by
    // one): acting on it would only shuffle assets. The deadline drops what cannot be renewed.
    if (!this.synced || this.closing || !this.connected) return;
    const now = this.clock();
    const members = this.view.liveMembers(now);
    if (!members.includes(this.engineId)) members.push(this.engineId);
    const key = members.join('\u0000');
    if (key !== this.assignmentKey) {
      this.assignmentKey = key;
      this.assignment = assignAssets(this.assetIds, members);
    }
    for (const assetId of this.leases.ids()) {
      if (this.assignment.get(assetId) !== this.engineId) void this.leases.release(assetId, 'handover');
    }
    if (now < this.claimHoldOffUntilMs) return;
    for (const assetId of this.assetIds) {
      if (this.assignment.get(assetId) !== this.engineId || this.leases.busy(assetId)) continue;
      if (this.view.lease(assetId, now) === null) this.leases.claim(assetId);
    }
  }

  /**
   * Wakes the evaluation when the next entry of the view would die unrenewed (a dead engine's).
   * `candidateMs`: the expiry of an entry just written, which can only be later than the armed
   * one unless nothing is armed; without it, the view is scanned.
   */
  private armViewTimer(candidateMs?: number): void {
    if (this.closing) return;
    const next = candidateMs ?? this.view.nextExpiryMs(this.clock());
    if (next === null || (this.viewTimer && this.viewTimer.at <= next)) return;
    this.viewTimer?.h.cancel();
    this.viewTimer = {
      at: next,
      h: this.scheduler.after(next - this.clock() + 1, () => {
        this.viewTimer = null;
        this.evaluate();
        this.armViewTimer();
      }),
    };
  }

  private async shutdown(): Promise<void> {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
    // Stop acting on every asset and delete the leases; claims and renewals that land from now on
    // are deleted by their own handlers.
    await this.leases.closeAll();
    // A membership write landing after the delete would keep this engine "alive" for a lease time.
    await this.memberPut;
    await this.kv.delete(memberKey(this.engineId)).catch(() => {});
    if (this.ownsConnection) await this.connection.close().catch(() => {});
  }
}
