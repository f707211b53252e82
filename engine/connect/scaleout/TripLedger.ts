import type { KV, NatsConnection } from 'nats';
import { z } from 'zod';
import { nodeScheduler, type Disposable, type Scheduled, type Scheduler } from '../../ingest/scheduling';
import { parseTripKey, tripBucketName, tripKey } from './kvNames';
import { KvFollower, openBucket } from './natsKv';

/**
 * Which assets are latched by a trip, shared by every engine of a site, so an asset that moves to
 * another engine (its owner died, or handed it over) stays latched there and is not tripped again
 * for the same event.
 *
 * A second KV bucket, `vigil_<site>_trips`, without TTL (a latch outlives every engine): key
 * `trip.<assetId>` holds the {@link TripRecord} of the trip that latched the asset; an operator's
 * reset deletes it. The owner writes it right after commanding the trip, asynchronously: the trip
 * path calls {@link TripLedger.record}, which only queues and never throws, so a slow or absent NATS
 * cannot delay a trip. Writes are retried until they land, the latest per asset winning (a reset
 * queued after a trip supersedes it).
 *
 * The price of not waiting: an engine that dies within the write's latency (about a millisecond)
 * after a trip leaves it unrecorded, and the next owner may command the trip again. The controller
 * holds the machine tripped regardless, so the repeat is a duplicate command, not an unsafe act.
 *
 * On acquiring an asset, the new owner calls {@link TripLedger.latched} before it starts scoring:
 * a record means "latched by `commandId`, for `eventId`": restore the latch and do not trip again
 * for that event.
 */

/** The trip that latched an asset. */
export interface TripRecord {
  /** The trip command's id (what the controller acknowledges). */
  commandId: string;
  /** The protection event that decided it, when known. */
  eventId?: string;
  /** When the trip was decided, the deciding engine's clock (epoch ms). */
  decidedAtMs: number;
  /** The engine that commanded it. */
  engineId: string;
  /** Why, for the operator (e.g. the alarm rule). */
  reason: string;
}

/** Schema for {@link TripRecord} values read from the bucket (written by any engine of the site). */
export const TripRecordSchema = z.object({
  commandId: z.string().min(1).max(256),
  eventId: z.string().min(1).max(256).optional(),
  decidedAtMs: z.number().finite(),
  engineId: z.string().min(1).max(128),
  reason: z.string().max(1000),
});

/** Options for {@link TripLedger.open}. */
export interface TripLedgerOptions {
  /** An open connection, e.g. `AssetLeases.connection`; the ledger does not close it. */
  connection: NatsConnection;
  site: string;
  /** The engine recording trips (stored in each record). */
  engineId: string;
  /** Timeout of each read or write (default 1000 ms). */
  timeoutMs?: number;
  /** Wait before retrying a failed write (default 500 ms). */
  retryMs?: number;
  scheduler?: Scheduler;
  log?: (line: string) => void;
}

/** Running totals. */
export interface TripLedgerCounters {
  /** Trip records written. */
  recorded: number;
  /** Resets written. */
  cleared: number;
  /** Failed write attempts (each retried). */
  writeFailures: number;
  /** `record`/`clear` calls refused locally (an asset id no key can carry, a malformed record). */
  rejected: number;
  /** Writes queued or in flight now. */
  pending: number;
}

type Op = { kind: 'record'; trip: TripRecord } | { kind: 'clear' };

/** A site's shared record of latched trips (see the file comment). */
export class TripLedger implements Disposable {
  private readonly queue = new Map<string, Op>();
  private inFlight: { assetId: string; op: Op } | null = null;
  private writing = false;
  private disposed = false;
  private retry: { h: Scheduled; wake: () => void } | null = null;
  private waiters: Array<() => void> = [];
  private readonly count = { recorded: 0, cleared: 0, writeFailures: 0, rejected: 0 };
  private readonly engineId: string;
  private readonly retryMs: number;
  private readonly scheduler: Scheduler;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly kv: KV,
    o: TripLedgerOptions,
  ) {
    this.engineId = o.engineId;
    this.retryMs = o.retryMs ?? 500;
    this.scheduler = o.scheduler ?? nodeScheduler;
    this.log = o.log ?? (() => {});
  }

  /** Opens (creating if absent) the site's trip bucket on `connection`. */
  static async open(o: TripLedgerOptions): Promise<TripLedger> {
    const kv = await openBucket(o.connection, tripBucketName(o.site), { ttlMs: 0, timeoutMs: o.timeoutMs ?? 1000 });
    return new TripLedger(kv, o);
  }

  /**
   * Records that this engine commanded a trip of `assetId`. Returns at once and never throws: the
   * write is queued and retried until it lands (see {@link flushed}).
   */
  record(assetId: string, trip: Omit<TripRecord, 'engineId'>): void {
    try {
      const rec = TripRecordSchema.parse({ ...trip, engineId: this.engineId });
      this.enqueue(assetId, { kind: 'record', trip: rec });
    } catch (err) {
      this.count.rejected++;
      this.log(`trip ledger: refused to record ${JSON.stringify(assetId)}: ${(err as Error).message}`);
    }
  }

  /** Clears the latch of `assetId` (an operator's reset). Queued like {@link record}. */
  clear(assetId: string): void {
    try {
      this.enqueue(assetId, { kind: 'clear' });
    } catch (err) {
      this.count.rejected++;
      this.log(`trip ledger: refused to clear ${JSON.stringify(assetId)}: ${(err as Error).message}`);
    }
  }

  /**
   * The trip latching `assetId`, or null when it is not latched. This engine's own queued writes
   * count first; otherwise the bucket is read. Rejects when it cannot tell (NATS unreachable, or a
   * stored value that does not parse): the caller should then not score the asset until it can.
   */
  async latched(assetId: string): Promise<TripRecord | null> {
    const key = tripKey(assetId);
    const local = this.queue.get(assetId) ?? (this.inFlight?.assetId === assetId ? this.inFlight.op : undefined);
    if (local) return local.kind === 'record' ? local.trip : null;
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') return null;
    let json: unknown;
    try {
      json = e.json();
    } catch {
      throw new Error(`trip ledger: the latch of ${JSON.stringify(assetId)} is not JSON (revision ${e.revision})`);
    }
    const r = TripRecordSchema.safeParse(json);
    if (!r.success) throw new Error(`trip ledger: the latch of ${JSON.stringify(assetId)} is malformed (revision ${e.revision}): ${r.error.message}`);
    return r.data;
  }

  /**
   * Calls `listener` with each trip another engine records from now on (a live watch of the
   * bucket): an operator may stop a machine from any console, and the engine that runs it must
   * latch it too. Trips recorded while the watch was down are not replayed: `latched` answers
   * for those when an asset is taken over. Returns the watch, to dispose.
   */
  follow(listener: (assetId: string, trip: TripRecord) => void): Disposable {
    return new KvFollower(
      this.kv,
      {
        onResyncStart: () => {},
        onSynced: () => {},
        onEntry: (e, initial) => {
          if (initial || e.operation !== 'PUT') return;
          const assetId = parseTripKey(e.key);
          let json: unknown = null;
          try {
            json = e.json();
          } catch {
            json = null;
          }
          const r = TripRecordSchema.safeParse(json);
          if (assetId === null || !r.success) {
            this.count.rejected++;
            this.log(`trip ledger: ignored an unreadable entry ${JSON.stringify(e.key)} (revision ${e.revision})`);
            return;
          }
          if (r.data.engineId !== this.engineId) listener(assetId, r.data);
        },
      },
      { scheduler: this.scheduler, retryMs: this.retryMs, log: this.log },
    );
  }

  /** Resolves when every write queued so far has landed (or the ledger was disposed). */
  flushed(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A copy of the running totals, with what is still queued. */
  counters(): TripLedgerCounters {
    return { ...this.count, pending: this.queue.size + (this.inFlight ? 1 : 0) };
  }

  /** Stops writing; writes still queued are abandoned (logged). Does not close the connection. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.queue.size > 0) this.log(`trip ledger: ${this.queue.size} write(s) abandoned at shutdown: ${[...this.queue.keys()].join(', ')}`);
    this.retry?.h.cancel();
    this.retry?.wake();
    this.retry = null;
    this.wakeWaiters();
  }

  private enqueue(assetId: string, op: Op): void {
    tripKey(assetId); // throws for an id no key can carry, before anything is queued
    if (this.disposed) throw new Error('the ledger is disposed');
    // The latest write per asset wins: delete first so it also goes to the back of the queue.
    this.queue.delete(assetId);
    this.queue.set(assetId, op);
    if (!this.writing) void this.drain();
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.size > 0 && !this.disposed) {
      const [assetId, op] = this.queue.entries().next().value!;
      this.queue.delete(assetId);
      this.inFlight = { assetId, op };
      try {
        if (op.kind === 'record') {
          await this.kv.put(tripKey(assetId), JSON.stringify(op.trip));
          this.count.recorded++;
        } else {
          await this.kv.delete(tripKey(assetId));
          this.count.cleared++;
        }
        this.inFlight = null;
      } catch (err) {
        this.inFlight = null;
        this.count.writeFailures++;
        this.log(`trip ledger: writing ${op.kind} of ${assetId} failed (${(err as Error).message}); retrying in ${this.retryMs} ms`);
        // A newer write for the asset, queued meanwhile, supersedes this one.
        if (!this.queue.has(assetId)) this.queue.set(assetId, op);
        await new Promise<void>((wake) => {
          this.retry = { h: this.scheduler.after(this.retryMs, wake), wake };
        });
        this.retry = null;
      }
    }
    this.writing = false;
    if (this.idle()) this.wakeWaiters();
  }

  private idle(): boolean {
    return this.disposed || (this.queue.size === 0 && this.inFlight === null);
  }

  private wakeWaiters(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
