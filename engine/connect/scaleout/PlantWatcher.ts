import type { NatsConnection } from 'nats';
import { nodeScheduler, type Clock, type Disposable, type Scheduler } from '../../ingest/scheduling';
import { monotonicEpochClock } from './AssetLeases';
import { leaseBucketName } from './kvNames';
import { applyLeaseBucketEntry } from './leaseBucketEntry';
import { followConnection, KvFollower, openBucket } from './natsKv';
import { PlantView, type PlantSnapshot } from './PlantView';

/**
 * The whole plant, read-only, for a console that runs no engine: which engine runs each asset and
 * since when, and which engines are alive. It only watches the lease bucket; it never joins as a
 * member, so it takes no share of the assets (an `AssetLeases` with no assets would, and the
 * others would hand it assets it never claims).
 *
 * Its picture is the same an engine's `plant()` gives, built by the same code, late by the watch
 * latency; a lease whose holder died shows free a lease time after its last renewal. Consoles read
 * {@link plant} at their refresh rate.
 */

/** Options for {@link PlantWatcher.start}. */
export interface PlantWatcherOptions {
  /** An open connection (`connectNats`); left open by dispose. */
  connection: NatsConnection;
  site: string;
  /** The site's lease time (the bucket's TTL): every engine's and every watcher's must agree. */
  leaseMs: number;
  /** The plant's assets, shown even while nobody holds them (default: only those seen leased). */
  assetIds?: readonly string[];
  clock?: Clock;
  wallClock?: Clock;
  scheduler?: Scheduler;
  log?: (line: string) => void;
}

/** A read-only follower of a site's lease bucket (see the file comment). */
export class PlantWatcher implements Disposable {
  private readonly disposables: Disposable[] = [];

  private constructor(
    private readonly view: PlantView,
    private readonly clock: Clock,
  ) {}

  /** Opens the site's lease bucket (creating it if absent) and resolves once it has seen all of it. */
  static async start(o: PlantWatcherOptions): Promise<PlantWatcher> {
    const clock = o.clock ?? monotonicEpochClock;
    const wallClock = o.wallClock ?? Date.now;
    const log = o.log ?? (() => {});
    const kv = await openBucket(o.connection, leaseBucketName(o.site), { ttlMs: o.leaseMs, timeoutMs: 2000 });
    const view = new PlantView(o.assetIds ?? [], o.leaseMs);
    const w = new PlantWatcher(view, clock);
    const follower = new KvFollower(
      kv,
      {
        onResyncStart: () => view.beginResync(),
        onEntry: (e, initial) => void applyLeaseBucketEntry(view, e, initial, { nowMs: clock(), wallNowMs: wallClock(), leaseMs: o.leaseMs }),
        onSynced: () => view.endResync(),
      },
      { scheduler: o.scheduler ?? nodeScheduler, retryMs: Math.max(100, Math.floor(o.leaseMs / 3)), log },
    );
    w.disposables.push(follower);
    w.disposables.push(followConnection(o.connection, { disconnect: () => {}, reconnect: () => follower.restart() }, log));
    try {
      await follower.firstSync;
    } catch (err) {
      w.dispose();
      throw err;
    }
    return w;
  }

  /** Every asset's owner and since when, every engine and whether it is alive, now. */
  plant(): PlantSnapshot {
    return this.view.snapshot(this.clock());
  }

  /** Stops watching; leaves the connection open. */
  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
