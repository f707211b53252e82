import type { Frame } from '../contract';
import { nodeScheduler, type Disposable, type Scheduled, type Scheduler } from './scheduling';

/** Sizing and scheduling of a {@link FrameBus}. */
export interface FrameBusOptions {
  /** Frames held per channel before the oldest is dropped. Default 64 (≥ 6 s at 100 ms frames). */
  capacityPerChannel?: number;
  /** Distinct channels the bus will queue for; frames for further addresses are dropped. Default 4096. */
  maxChannels?: number;
  /** Frames delivered per drain turn before yielding to the event loop. Default 256. */
  batchSize?: number;
  /** Where drains run. Default: setImmediate. */
  scheduler?: Scheduler;
  /** Told about every dropped frame, e.g. to count it in ingest as `overflow`. Must not throw (errors are swallowed and counted). */
  onDrop?: (frame: Frame) => void;
  /** Told when the consumer throws; the bus keeps delivering. */
  onError?: (error: unknown) => void;
}

/** Drops of one channel. */
export interface ChannelDrops {
  key: string;
  assetId: string;
  channelId: string;
  dropped: number;
}

/** Health of the bus: how deep, how full it has been, what went in, out and was lost. */
export interface FrameBusStats {
  depth: number;
  highWater: number;
  offered: number;
  delivered: number;
  dropped: number;
  handlerErrors: number;
  droppedByChannel: ChannelDrops[];
}

/** Bounded FIFO of one channel (a ring of frame references). */
class ChannelQueue {
  readonly items: Array<Frame | undefined>;
  head = 0;
  size = 0;
  dropped = 0;
  constructor(
    readonly key: string,
    readonly assetId: string,
    readonly channelId: string,
    capacity: number,
  ) {
    this.items = new Array<Frame | undefined>(capacity).fill(undefined);
  }
  /** Pushes; returns the evicted oldest frame when full. */
  push(frame: Frame): Frame | undefined {
    const cap = this.items.length;
    let evicted: Frame | undefined;
    if (this.size === cap) {
      evicted = this.items[this.head];
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % cap;
      this.size--;
      this.dropped++;
    }
    this.items[(this.head + this.size) % cap] = frame;
    this.size++;
    return evicted;
  }
  shift(): Frame | undefined {
    if (this.size === 0) return undefined;
    const f = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return f;
  }
}

function addressOf(frame: unknown): { assetId: string; channelId: string } {
  if (typeof frame === 'object' && frame !== null) {
    const f = frame as { assetId?: unknown; channelId?: unknown };
    return { assetId: String(f.assetId), channelId: String(f.channelId) };
  }
  return { assetId: '(malformed)', channelId: '(malformed)' };
}

/**
 * The bounded queue between frame producers (sources, sockets) and the engine's consumer.
 *
 * Policy: one bounded FIFO per channel, drained round-robin in batches on the scheduler.
 * - `offer` never blocks, never throws and is O(1): a burst can never stall a producer.
 * - When a channel's queue is full its OLDEST frame is dropped (and counted as overflow): for
 *   protection the newest data describes the machine now; old data delays detection. The gap
 *   this leaves is detected by ingest, which restarts the window so none spans the loss.
 * - Per-channel queues keep a flooding or misbehaving channel from evicting other machines'
 *   data: its drops are its own.
 * - Round-robin draining keeps latency fair across channels; yielding after `batchSize` frames
 *   lets producers' I/O run between batches.
 * Frames are queued by reference; producers must not reuse a frame's sample buffer after offering.
 */
export class FrameBus implements Disposable {
  private readonly queues = new Map<string, ChannelQueue>();
  /** Queues in round-robin order (never shrinks; bounded by maxChannels). */
  private readonly order: ChannelQueue[] = [];
  private cursor = 0;
  private depth = 0;
  private highWater = 0;
  private offered = 0;
  private delivered = 0;
  private dropped = 0;
  private handlerErrors = 0;
  private pending: Scheduled | null = null;
  private disposed = false;
  private readonly capacity: number;
  private readonly maxChannels: number;
  private readonly batchSize: number;
  private readonly scheduler: Scheduler;

  /** @param handler the consumer, typically `(f) => ingest.accept(f)`; runs on the scheduler, never inside offer. */
  constructor(
    private readonly handler: (frame: Frame) => void,
    private readonly options: FrameBusOptions = {},
  ) {
    this.capacity = options.capacityPerChannel ?? 64;
    this.maxChannels = options.maxChannels ?? 4096;
    this.batchSize = options.batchSize ?? 256;
    this.scheduler = options.scheduler ?? nodeScheduler;
    if (this.capacity < 1 || this.batchSize < 1 || this.maxChannels < 1) throw new RangeError('FrameBus sizes must be positive');
  }

  /**
   * Queues a frame for the consumer. Returns false when the frame could not be queued as-is: the
   * bus is disposed, the channel table is full, or queuing it evicted an older frame of the same
   * channel (data was lost, so the producer may want to know). Never throws.
   */
  offer(frame: Frame): boolean {
    try {
      this.offered++;
      if (this.disposed) {
        this.drop(frame);
        return false;
      }
      const { assetId, channelId } = addressOf(frame);
      const key = `${assetId}\u0000${channelId}`;
      let q = this.queues.get(key);
      if (!q) {
        if (this.queues.size >= this.maxChannels) {
          this.drop(frame);
          return false;
        }
        q = new ChannelQueue(key, assetId, channelId, this.capacity);
        this.queues.set(key, q);
        this.order.push(q);
      }
      const evicted = q.push(frame);
      if (evicted) this.drop(evicted);
      else {
        this.depth++;
        if (this.depth > this.highWater) this.highWater = this.depth;
      }
      this.schedule();
      return evicted === undefined;
    } catch {
      return false;
    }
  }

  /** Current counters (a fresh object). */
  stats(): FrameBusStats {
    const droppedByChannel: ChannelDrops[] = [];
    for (const q of this.order) {
      if (q.dropped > 0) droppedByChannel.push({ key: q.key, assetId: q.assetId, channelId: q.channelId, dropped: q.dropped });
    }
    return {
      depth: this.depth,
      highWater: this.highWater,
      offered: this.offered,
      delivered: this.delivered,
      dropped: this.dropped,
      handlerErrors: this.handlerErrors,
      droppedByChannel,
    };
  }

  /**
   * Delivers up to `max` queued frames now, round-robin. Used by the scheduled drain and by
   * callers that own the loop (benchmarks, a worker's message loop). Returns frames delivered.
   */
  drain(max = this.batchSize): number {
    let done = 0;
    const nq = this.order.length;
    let idle = 0;
    while (done < max && this.depth > 0 && idle < nq) {
      const q = this.order[this.cursor]!;
      this.cursor = (this.cursor + 1) % nq;
      const frame = q.shift();
      if (!frame) {
        idle++;
        continue;
      }
      idle = 0;
      this.depth--;
      this.delivered++;
      done++;
      try {
        this.handler(frame);
      } catch (error) {
        this.handlerErrors++;
        this.safe(() => this.options.onError?.(error));
      }
    }
    return done;
  }

  /** Stops scheduling; queued frames are discarded and counted as dropped. */
  dispose(): void {
    this.disposed = true;
    this.pending?.cancel();
    this.pending = null;
    for (const q of this.order) {
      for (let f = q.shift(); f; f = q.shift()) {
        this.depth--;
        q.dropped++;
        this.drop(f);
      }
    }
  }

  private schedule(): void {
    if (this.pending || this.disposed) return;
    this.pending = this.scheduler.soon(() => {
      this.pending = null;
      this.drain();
      if (this.depth > 0) this.schedule();
    });
  }

  private drop(frame: Frame): void {
    this.dropped++;
    const onDrop = this.options.onDrop;
    if (onDrop) this.safe(() => onDrop(frame));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      this.handlerErrors++;
    }
  }
}
