/**
 * Checks the promise of the scale-out layer from the outside: from every engine's log of
 * acquiring and losing assets, the intervals in which each engine held each asset, and any two
 * intervals of one asset that overlap (two engines scoring, and possibly tripping, one machine).
 * The tests and the bench run it over engines in several processes; their times must be on a
 * clock comparable between them (`monotonicEpochClock` is, to about a millisecond, on one host).
 */

/** An engine's log line: it acquired or lost an asset at `atMs`. */
export interface OwnershipEvent {
  engineId: string;
  assetId: string;
  kind: 'acquired' | 'lost';
  atMs: number;
}

/** An engine held an asset from `fromMs` until `toMs` (the log's end when still held). */
export interface OwnershipInterval {
  engineId: string;
  assetId: string;
  fromMs: number;
  toMs: number;
  /** Still held at the end of the log. */
  open: boolean;
}

/** Two engines' intervals on one asset that overlap by `overlapMs`. */
export interface Overlap {
  assetId: string;
  a: OwnershipInterval;
  b: OwnershipInterval;
  overlapMs: number;
}

/** The intervals, plus anything in the log that cannot happen (acquired twice, lost unheld). */
export interface OwnershipTimeline {
  intervals: OwnershipInterval[];
  anomalies: string[];
}

/** Builds the intervals from events of any order; a holding still open is closed at `endMs`. */
export function ownershipIntervals(events: readonly OwnershipEvent[], endMs: number): OwnershipTimeline {
  const intervals: OwnershipInterval[] = [];
  const anomalies: string[] = [];
  const open = new Map<string, OwnershipEvent>();
  const sorted = [...events].sort((x, y) => x.atMs - y.atMs || (x.kind === y.kind ? 0 : x.kind === 'lost' ? -1 : 1));
  for (const e of sorted) {
    const k = `${e.engineId}\u0000${e.assetId}`;
    const o = open.get(k);
    if (e.kind === 'acquired') {
      if (o) anomalies.push(`${e.engineId} acquired ${e.assetId} at ${e.atMs} while holding it since ${o.atMs}`);
      else open.set(k, e);
    } else if (!o) {
      anomalies.push(`${e.engineId} lost ${e.assetId} at ${e.atMs} without holding it`);
    } else {
      open.delete(k);
      intervals.push({ engineId: e.engineId, assetId: e.assetId, fromMs: o.atMs, toMs: e.atMs, open: false });
    }
  }
  for (const o of open.values()) intervals.push({ engineId: o.engineId, assetId: o.assetId, fromMs: o.atMs, toMs: Math.max(endMs, o.atMs), open: true });
  return { intervals, anomalies };
}

/**
 * Every pair of different engines' intervals on one asset that overlap by more than
 * `toleranceMs` (the clocks' disagreement; 0 for one process). Touching intervals do not overlap.
 */
export function findOverlaps(intervals: readonly OwnershipInterval[], toleranceMs = 0): Overlap[] {
  const byAsset = new Map<string, OwnershipInterval[]>();
  for (const i of intervals) byAsset.set(i.assetId, [...(byAsset.get(i.assetId) ?? []), i]);
  const out: Overlap[] = [];
  for (const [assetId, list] of byAsset) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const a = list[x]!;
        const b = list[y]!;
        if (a.engineId === b.engineId) continue;
        const overlapMs = Math.min(a.toMs, b.toMs) - Math.max(a.fromMs, b.fromMs);
        if (overlapMs > toleranceMs) out.push({ assetId, a, b, overlapMs });
      }
    }
  }
  return out;
}

/** Who held each asset at `atMs` (an interval holds from its start, up to but not at its end). */
export function holdersAt(intervals: readonly OwnershipInterval[], atMs: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of intervals) if (i.fromMs <= atMs && atMs < i.toMs) out.set(i.assetId, [...(out.get(i.assetId) ?? []), i.engineId].sort());
  return out;
}
