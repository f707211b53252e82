import { describe, expect, it } from 'vitest';
import { incidentMarkers, keyStep, relativeTo, scrubRange, snapshotSpans } from '../../renderer/src/reviewModel';

const entry = (atMs: number, kind: string, detail: Record<string, unknown> = {}) => ({ atMs, kind, text: '', modelVersion: null, detail });

describe('incident review model (renderer, no DOM)', () => {
  it('given a timeline, then the markers are the first alert, the first danger and the first trip decision, once each, in time order', () => {
    const entries = [
      entry(1000, 'incident_opened'),
      entry(1000, 'level_changed', { to: 'alert' }),
      entry(1500, 'level_changed', { to: 'normal' }),
      entry(2000, 'level_changed', { to: 'alert' }),
      entry(9000, 'level_changed', { to: 'danger' }),
      entry(9000, 'trip_decided'),
      entry(9001.25, 'trip_commanded'),
      entry(12_000, 'trip_decided'),
    ];
    expect(incidentMarkers(entries)).toEqual([
      { kind: 'alert', atMs: 1000, label: 'First alert' },
      { kind: 'danger', atMs: 9000, label: 'Danger' },
      { kind: 'trip', atMs: 9000, label: 'Trip' },
    ]);
    // Straight to danger (no alert first): the first alert is that moment; an emergency stop has only a trip.
    expect(incidentMarkers([entry(5, 'level_changed', { to: 'danger' })]).map((m) => [m.kind, m.atMs])).toEqual([['alert', 5], ['danger', 5]]);
    expect(incidentMarkers([entry(7, 'trip_decided'), entry(8, 'level_changed', { detail: 'malformed' })]).map((m) => m.kind)).toEqual(['trip']);
  });

  it('given snapshots and markers, then the scrubber spans all of them; without snapshots, the markers ± 5 s', () => {
    const spans = snapshotSpans([
      { channelId: 'de', trigger: 'trip', triggerMs: 20_000, startMs: 15_000, sampleRateHz: 1000, preSamples: 5000, complete: true, sampleCount: 10_000 },
      { channelId: 'de', trigger: 'alert', triggerMs: 3000, startMs: 0, sampleRateHz: 1000, preSamples: 3000, complete: true, samples: new Float32Array(8000) },
      { channelId: 'de', trigger: 'other', triggerMs: 0, startMs: 0, sampleRateHz: 1000, preSamples: 0, complete: true, sampleCount: 1 },
    ]);
    expect(spans.map((s) => [s.trigger, s.startMs, s.endMs, s.sampleCount])).toEqual([['alert', 0, 8000, 8000], ['trip', 15_000, 25_000, 10_000]]);
    // To the last sample (24 999 ms at 1 kHz), or a marker beyond it.
    expect(scrubRange(spans, [{ kind: 'alert', atMs: 3000, label: 'First alert' }], 3000)).toEqual({ fromMs: 0, toMs: 24_999 });
    const markers = [{ kind: 'trip' as const, atMs: 26_000, label: 'Trip' }];
    expect(scrubRange(spans, markers, 3000)).toEqual({ fromMs: 0, toMs: 26_000 });
    expect(scrubRange([], markers, 3000)).toEqual({ fromMs: 21_000, toMs: 31_000 });
    expect(scrubRange([], [], 3000)).toEqual({ fromMs: -2000, toMs: 8000 });
  });

  it('given a key, then the cursor moves one window per arrow, ten per page, to the ends on Home/End, never out of range; other keys are not ours', () => {
    const range = { fromMs: 1000, toMs: 2000 };
    expect(['ArrowRight', 'ArrowUp', 'ArrowLeft', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', 'Tab'].map((k) => keyStep(k, 1500, 80, range))).toEqual([1580, 1580, 1420, 1420, 2000, 1000, 1000, 2000, null]);
    expect(keyStep('ArrowLeft', 1010, 80, range)).toBe(1000);
    expect(relativeTo(1420, [{ kind: 'trip', atMs: 1500, label: 'Trip' }, { kind: 'alert', atMs: 1000, label: 'First alert' }])).toBe('trip −0.080 s');
    // Danger and trip at the same moment: it reads as the trip.
    expect(relativeTo(1500, [{ kind: 'danger', atMs: 1500, label: 'Danger' }, { kind: 'trip', atMs: 1500, label: 'Trip' }])).toBe('trip +0.000 s');
  });
});
