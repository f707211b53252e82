import { describe, expect, it } from 'vitest';
import { evaluateCwru, type CwruRecordingResult } from '../../../engine/evaluate/evaluateCwru';
import { dataDir } from '../../support/data';

const cwru = dataDir('cwru');

describe(`vigil evaluate cwru on the shared recordings${cwru.present ? '' : ` — SKIPPED: ${cwru.skipReason}`}`, () => {
  it.skipIf(!cwru.present)('commissions on normal data only, alarms on every fault quickly, never on the normal half, and diagnoses races from their physics', async () => {
    const report = await evaluateCwru(cwru.dir);
    const s = report.summary;
    console.log(JSON.stringify(s));
    expect(s.faults).toBe(24);
    expect(s.faults_alarmed).toBe(24);
    expect(s.normal_alarms).toBe(0);
    expect(s.normal_s).toBeGreaterThan(1.5);
    expect(s.median_first_alarm_s).not.toBeNull();
    expect(s.median_first_alarm_s!).toBeLessThanOrEqual(0.5);
    // Inner race is diagnosed on every recording; outer race on all but the two 0.014 in recordings,
    // whose envelope shows no BPFO line above the normal baseline (see the issue note). Ball faults are
    // reported, not asserted: no ball recording shows a BSF line.
    expect(s.diagnosis_by_label.inner_race).toEqual({ recordings: 8, correct: 8 });
    expect(s.diagnosis_by_label.outer_race!.correct).toBeGreaterThanOrEqual(6);
    // A wrong race is worse than 'unknown': no race fault may be named as the other race.
    for (const r of report.recordings) {
      if (r.label === 'inner_race') expect(r.diagnosis).not.toBe('outer_race');
      if (r.label === 'outer_race') expect(r.diagnosis).not.toBe('inner_race');
      if (r.label === 'normal') expect(r.diagnosis).toBeNull();
    }
    expect(report.method.model).toMatch(/int8 ONNX/);

    // The same commissioning at fp32: every detection result is the same as with the int8 model.
    const fp32 = await evaluateCwru(cwru.dir, () => {}, { precision: 'fp32' });
    expect(fp32.method.model).toMatch(/fp32 ONNX/);
    expect(fp32.summary).toEqual(report.summary);
    expect(fp32.recordings.map(detection)).toEqual(report.recordings.map(detection));
  }, 400_000);
});

/** What counts as a detection result: alarm, when, how often, trips, the named fault. */
function detection(r: CwruRecordingResult): unknown {
  return { file: r.file, alarm: r.alarm, first: r.first_alarm_s, alarms: r.alarms, trips: r.trips, diagnosis: r.diagnosis };
}
