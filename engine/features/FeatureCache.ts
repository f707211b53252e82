import type { FeatureSet } from '../contract/features';

/** Fixed-capacity ring of FeatureSets for one channel, oldest overwritten first. */
class Ring {
  private readonly items: (FeatureSet | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<FeatureSet | undefined>(capacity);
  }

  push(fs: FeatureSet): void {
    this.items[this.next] = fs;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  latest(): FeatureSet | undefined {
    return this.count === 0 ? undefined : this.items[(this.next - 1 + this.capacity) % this.capacity];
  }

  /** Up to `max` most recent entries, oldest first. */
  recent(max: number): FeatureSet[] {
    const n = Math.min(max, this.count);
    const out: FeatureSet[] = [];
    for (let i = n; i >= 1; i--) out.push(this.items[(this.next - i + this.capacity) % this.capacity]!);
    return out;
  }
}

/**
 * The in-memory feature cache: features are computed once per hop and read from here by scoring,
 * diagnosis and the console, never recomputed. Memory is bounded per channel by `historyLength`.
 */
export class FeatureCache {
  private readonly rings = new Map<string, Ring>();

  /** @param historyLength FeatureSets kept per (asset, channel); older ones are dropped. */
  constructor(readonly historyLength = 512) {
    if (!Number.isInteger(historyLength) || historyLength < 1) throw new Error(`historyLength must be a positive integer, got ${historyLength}`);
  }

  /** Store the newest FeatureSet of its channel. The cache keeps the reference: callers must not mutate it afterwards. */
  push(fs: FeatureSet): void {
    const key = keyOf(fs.assetId, fs.channelId);
    let ring = this.rings.get(key);
    if (!ring) {
      ring = new Ring(this.historyLength);
      this.rings.set(key, ring);
    }
    ring.push(fs);
  }

  /** Most recent FeatureSet of a channel, or undefined before its first hop. */
  latest(assetId: string, channelId: string): FeatureSet | undefined {
    return this.rings.get(keyOf(assetId, channelId))?.latest();
  }

  /** Up to `maxCount` (default: all kept) most recent FeatureSets of a channel, oldest first. */
  history(assetId: string, channelId: string, maxCount = this.historyLength): FeatureSet[] {
    return this.rings.get(keyOf(assetId, channelId))?.recent(maxCount) ?? [];
  }

  /** Forget a channel (asset removed or reconfigured). */
  clear(assetId: string, channelId: string): void {
    this.rings.delete(keyOf(assetId, channelId));
  }
}

/** NUL cannot occur in validated ids, so the key is unambiguous. */
function keyOf(assetId: string, channelId: string): string {
  return `${assetId}\u0000${channelId}`;
}
