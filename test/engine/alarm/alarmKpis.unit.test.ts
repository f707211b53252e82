import { describe, expect, it } from 'vitest';
import { alarmKpis, type AnnunciatedActivation } from '../../../engine/alarm/alarmKpis';

const MIN = 60_000;
const H = 60 * MIN;
const act = (assetId: string, alarmKey: string, atMin: number, clearedMin: number | null = atMin + 1, priority: AnnunciatedActivation['priority'] = 'low'): AnnunciatedActivation => ({
  assetId,
  alarmKey,
  priority,
  activatedMs: atMin * MIN,
  clearedMs: clearedMin === null ? null : clearedMin * MIN,
});

describe('alarm KPIs (EEMUA 191 / ISA-18.2)', () => {
  it('given a quiet hour with 3 alarms, then the rate is 0.5 per 10 min, no flood, no chattering', () => {
    const k = alarmKpis([act('p1', 'score.alert', 5), act('p2', 'score.alert', 25), act('p1', 'score.alert', 45)], 0, H);
    expect(k).toMatchObject({ activations: 3, per10MinAverage: 0.5, per10MinPeak: 1, floodBucketShare: 0, floods: [], chattering: [], stale: [] });
    expect(k.badActors[0]).toEqual({ assetId: 'p1', alarmKey: 'score.alert', activations: 2, share: 2 / 3 });
  });

  it('given 12 alarms within 6 minutes, then one flood starts at the 11th and ends when the trailing count falls back to 10', () => {
    const acts = Array.from({ length: 12 }, (_, i) => act(`m${i}`, 'velocity.alert', 20 + i * 0.5));
    const k = alarmKpis(acts, 0, H);
    expect(k.floods).toEqual([{ startMs: 25 * MIN, endMs: (20.5 + 10) * MIN, activations: 12 }]);
    expect(k.per10MinPeak).toBe(12);
    expect(k.floodBucketShare).toBeCloseTo(1 / 6);
  });

  it('given an alarm activating 4 times in 50 s, then it is chattering with 4 per minute; 3 in 61 s is not', () => {
    const chat = [0, 0.2, 0.5, 0.8].map((m) => act('f1', 'score.alert', 10 + m, 10 + m + 0.05));
    const slow = [0, 0.6, 1.02].map((m) => act('f2', 'score.alert', 30 + m, 30 + m + 0.05));
    const k = alarmKpis([...chat, ...slow], 0, H);
    expect(k.chattering).toEqual([{ assetId: 'f1', alarmKey: 'score.alert', maxPerMinute: 4 }]);
  });

  it('given an alarm active for 30 hours, then it is stale, measured to the end of the period', () => {
    const k = alarmKpis([act('c1', 'score.alert', 0, null), act('c2', 'score.alert', 60, 120)], 0, 30 * H);
    expect(k.stale).toEqual([{ assetId: 'c1', alarmKey: 'score.alert', activeMs: 30 * H }]);
  });

  it('reports the priority mix and only counts activations inside the period', () => {
    const k = alarmKpis([act('a', 'x', 1, 2, 'critical'), act('a', 'y', 2, 3, 'high'), act('a', 'z', 3, 4, 'low'), act('a', 'z', 4, 5, 'low'), act('a', 'z', 90, 91, 'low')], 0, H);
    expect(k.priorityMix).toEqual({ critical: { activations: 1, share: 0.25 }, high: { activations: 1, share: 0.25 }, medium: { activations: 0, share: 0 }, low: { activations: 2, share: 0.5 } });
    expect(() => alarmKpis([], 10, 10)).toThrow(/toMs > fromMs/);
  });
});
