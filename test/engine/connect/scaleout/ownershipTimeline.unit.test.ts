import { describe, expect, it } from 'vitest';
import { findOverlaps, holdersAt, ownershipIntervals, type OwnershipEvent } from '../../../../engine/connect/scaleout/ownershipTimeline';

const ev = (engineId: string, assetId: string, kind: 'acquired' | 'lost', atMs: number): OwnershipEvent => ({ engineId, assetId, kind, atMs });

describe('ownershipTimeline', () => {
  it('given a handover where the new owner acquires as the old one lets go, then two touching intervals and no overlap', () => {
    const t = ownershipIntervals([ev('e2', 'p1', 'acquired', 20), ev('e1', 'p1', 'acquired', 0), ev('e1', 'p1', 'lost', 20)], 50);
    expect(t).toEqual({
      intervals: [
        { engineId: 'e1', assetId: 'p1', fromMs: 0, toMs: 20, open: false },
        { engineId: 'e2', assetId: 'p1', fromMs: 20, toMs: 50, open: true },
      ],
      anomalies: [],
    });
    expect(findOverlaps(t.intervals)).toEqual([]);
    expect([holdersAt(t.intervals, 19), holdersAt(t.intervals, 20)]).toEqual([new Map([['p1', ['e1']]]), new Map([['p1', ['e2']]])]);
  });

  it('given two engines holding one asset for 5 ms, then the overlap is found unless within the tolerance', () => {
    const t = ownershipIntervals([ev('e1', 'p1', 'acquired', 0), ev('e1', 'p1', 'lost', 25), ev('e2', 'p1', 'acquired', 20), ev('e2', 'p2', 'acquired', 0)], 100);
    expect(findOverlaps(t.intervals)).toEqual([
      { assetId: 'p1', a: { engineId: 'e1', assetId: 'p1', fromMs: 0, toMs: 25, open: false }, b: { engineId: 'e2', assetId: 'p1', fromMs: 20, toMs: 100, open: true }, overlapMs: 5 },
    ]);
    expect(findOverlaps(t.intervals, 5)).toEqual([]);
  });

  it('given a log that cannot happen, then each impossibility is reported', () => {
    const t = ownershipIntervals([ev('e1', 'p1', 'acquired', 0), ev('e1', 'p1', 'acquired', 5), ev('e1', 'p2', 'lost', 7)], 10);
    expect(t.anomalies).toEqual(['e1 acquired p1 at 5 while holding it since 0', 'e1 lost p2 at 7 without holding it']);
  });
});
