import { connect, Events, StorageType, type KV, type KvEntry, type NatsConnection, type QueuedIterator } from 'nats';
import type { Disposable, Scheduled, Scheduler } from '../../ingest/scheduling';

/**
 * The NATS plumbing the scale-out layer shares: a connection that never gives up reconnecting, a
 * bucket opened with the settings the lease argument depends on, recognising a failed
 * compare-and-set, and a watch that survives reconnects and server restarts.
 */

/** Options for {@link connectNats}. */
export interface NatsLinkOptions {
  /** `host:port` or `nats://host:port`, one or several (a cluster's seeds). */
  servers: string | string[];
  /** Client name the server shows in its connection list (e.g. `vigil-engine-e1`). */
  name: string;
  /** Wait between reconnect attempts (default 250 ms). */
  reconnectWaitMs?: number;
}

/**
 * Connects to NATS; rejects if no server answers now. Once connected it reconnects forever: an
 * engine whose NATS is down keeps retrying while its leases run out, rather than giving up.
 */
export async function connectNats(o: NatsLinkOptions): Promise<NatsConnection> {
  return connect({
    servers: o.servers,
    name: o.name,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: o.reconnectWaitMs ?? 250,
    reconnectJitter: 50,
    // A half-open link (pulled cable, no RST) is noticed within ~6 s rather than the default 4 min.
    pingInterval: 2000,
    maxPingOut: 3,
  });
}

/**
 * Calls `on.disconnect` / `on.reconnect` as the connection drops and comes back, until disposed or
 * the connection closes. Several followers of one connection are fine.
 */
export function followConnection(nc: NatsConnection, on: { disconnect(): void; reconnect(): void }, log: (line: string) => void): Disposable {
  // The client's status iterator can be stopped (it is a QueuedIterator), though typed as AsyncIterable.
  const events = nc.status() as AsyncIterable<{ type: string }> & { stop?: () => void };
  void (async () => {
    try {
      for await (const s of events) {
        if (s.type === Events.Disconnect) on.disconnect();
        else if (s.type === Events.Reconnect) on.reconnect();
      }
    } catch (err) {
      log(`NATS status stream ended: ${(err as Error).message}`);
    }
  })();
  return { dispose: () => events.stop?.() };
}

/** Options for {@link openBucket}. */
export interface BucketOptions {
  /** Time to live of every key in ms; 0 for none. */
  ttlMs: number;
  /** Timeout of every operation on the bucket, ms. */
  timeoutMs: number;
  /** Values kept per key (default 1). */
  history?: number;
}

/**
 * Opens a KV bucket, creating it if absent, on file storage. Throws if it already exists with
 * another TTL: the lease argument rests on the server forgetting a lease exactly `leaseMs` after
 * its last renewal, so engines configured with different lease times must not share a bucket.
 * Memory storage is refused too: a server restart would empty it and restart revision numbers, so
 * a compare-and-set with an old revision could succeed.
 */
export async function openBucket(nc: NatsConnection, name: string, o: BucketOptions): Promise<KV> {
  const js = nc.jetstream({ timeout: o.timeoutMs });
  const kv = await js.views.kv(name, { history: o.history ?? 1, ttl: o.ttlMs, storage: StorageType.File, timeout: o.timeoutMs });
  const st = await kv.status();
  if (Math.round(st.ttl) !== Math.round(o.ttlMs)) throw new Error(`bucket ${name} exists with a TTL of ${st.ttl} ms, not ${o.ttlMs} ms: every engine of a site must use the same lease time`);
  if (st.storage !== StorageType.File) throw new Error(`bucket ${name} is on ${st.storage} storage; leases need file storage so a server restart keeps revisions`);
  return kv;
}

/** Whether `err` is the server refusing a write because the key's revision was not the expected one. */
export function isRevisionMismatch(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number } } | null;
  // JSStreamWrongLastSequenceErrF
  return e?.api_error?.err_code === 10071;
}

/**
 * Whether `err` says the bucket's stream does not exist (the server came back with an empty store:
 * the watch gets "stream not found", a write gets "no responders").
 */
export function isMissingStream(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; code?: string; message?: string } | null;
  return e?.api_error?.err_code === 10059 || e?.code === '503' || /stream not found|no responders/i.test(e?.message ?? '');
}

/** What a {@link KvFollower} reports. */
export interface KvFollowerHandlers {
  /** A (re)watch starts: every current value follows as `initial`. */
  onResyncStart(): void;
  /** A write: part of the initial values of a (re)watch, or a live update after it. */
  onEntry(e: KvEntry, initial: boolean): void;
  /** The initial values of a (re)watch have all been delivered. */
  onSynced(): void;
  /** The watch could not start (retried after `retryMs`); e.g. {@link isMissingStream}. */
  onWatchError?(err: unknown): void;
}

/**
 * Follows every key of a bucket. NATS's watch is an ordered consumer that lives on one server; after
 * the connection comes back ({@link restart}) or the watch fails, it starts a fresh one, which
 * redelivers each key's current value, so the follower never acts on a picture that silently
 * stopped updating.
 */
export class KvFollower implements Disposable {
  private watch: QueuedIterator<KvEntry> | null = null;
  private generation = 0;
  private disposed = false;
  private retry: Scheduled | null = null;
  private syncDeadline: Scheduled | null = null;
  private settleFirst: ((err?: Error) => void) | null = null;
  private readonly scheduler: Scheduler;
  private readonly retryMs: number;
  private readonly log: (line: string) => void;
  /** Resolves once the first watch has delivered every current value; rejects if disposed before. */
  readonly firstSync: Promise<void>;

  /** Starts following at once; register it with its owner now, then await {@link firstSync}. */
  constructor(
    private readonly kv: KV,
    private readonly h: KvFollowerHandlers,
    o: { scheduler: Scheduler; retryMs: number; log: (line: string) => void },
  ) {
    this.scheduler = o.scheduler;
    this.retryMs = o.retryMs;
    this.log = o.log;
    this.firstSync = new Promise<void>((resolve, reject) => {
      this.settleFirst = (err) => (err ? reject(err) : resolve());
    });
    // An owner that never awaits it (disposed first) must not see an unhandled rejection.
    this.firstSync.catch(() => {});
    this.restart();
  }

  /** Drops the current watch and starts a fresh one (after a reconnect). */
  restart(): void {
    if (this.disposed) return;
    const gen = ++this.generation;
    this.retry?.cancel();
    this.retry = null;
    this.watch?.stop();
    this.watch = null;
    void this.run(gen);
  }

  /** Stops the watch and every retry; a pending {@link firstSync} rejects. */
  dispose(): void {
    this.disposed = true;
    this.settleFirst?.(new Error('the KV follower was disposed before its first sync'));
    this.settleFirst = null;
    this.generation++;
    this.retry?.cancel();
    this.syncDeadline?.cancel();
    this.watch?.stop();
    this.watch = null;
  }

  private async run(gen: number): Promise<void> {
    let synced = false;
    let processed = 0;
    let target: number | null = null;
    let resolved = false;
    let initSignalled = false;
    const current = () => gen === this.generation && !this.disposed;
    const markSynced = () => {
      if (synced || !current()) return;
      synced = true;
      this.syncDeadline?.cancel();
      this.syncDeadline = null;
      this.h.onSynced();
      this.settleFirst?.();
      this.settleFirst = null;
    };
    this.h.onResyncStart();
    let w: QueuedIterator<KvEntry>;
    try {
      w = await this.kv.watch({
        initializedFn: () => {
          // Called during watch() when everything was already queued (then we wait until those
          // are processed), or by the iterator in order, after the initial values.
          if (!resolved) initSignalled = true;
          else markSynced();
        },
      });
    } catch (err) {
      if (current()) {
        this.log(`kv watch could not start (${(err as Error).message}); retrying in ${this.retryMs} ms`);
        this.retry = this.scheduler.after(this.retryMs, () => this.restart());
        this.h.onWatchError?.(err);
      }
      return;
    }
    resolved = true;
    if (!current()) {
      w.stop();
      return;
    }
    this.watch = w;
    if (initSignalled) {
      target = w.getReceived();
      if (processed >= target) markSynced();
    }
    // NATS notes that the initialised signal can go missing if the stream is pruned while the
    // watch starts; the last initial value's `delta` of 0 ends the sync too, and a deadline last.
    this.syncDeadline?.cancel();
    this.syncDeadline = this.scheduler.after(Math.max(5000, this.retryMs * 4), () => {
      if (!synced && current()) {
        this.log('kv watch did not signal the end of its initial values; proceeding');
        markSynced();
      }
    });
    try {
      for await (const e of w) {
        if (!current()) break;
        processed++;
        this.h.onEntry(e, !synced);
        if (!synced && (e.delta === 0 || (target !== null && processed >= target))) markSynced();
      }
      if (current()) throw new Error('watch ended');
    } catch (err) {
      if (current()) {
        this.log(`kv watch stopped (${(err as Error).message}); restarting in ${this.retryMs} ms`);
        this.retry = this.scheduler.after(this.retryMs, () => this.restart());
      }
    }
  }
}
