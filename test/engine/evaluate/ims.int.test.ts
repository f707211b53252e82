import { describe, expect, it } from 'vitest';
import { evaluateIms } from '../../../engine/evaluate/evaluateIms';
import { dataDir } from '../../support/data';

const ims = dataDir('ims');

describe(`vigil evaluate ims on the shared feature trajectories${ims.present ? '' : ` — SKIPPED: ${ims.skipReason}`}`, () => {
  it.skipIf(!ims.present)('test 1: bearings 3 and 4 alarm before the end; test 3: the near-zero last snapshot is bad quality, not a bearing state', async () => {
    const report = await evaluateIms(ims.dir);
    const t1 = report.trajectories.find((t) => t.file === 'ims_test1_features.f32')!;
    const rows = t1.rows;
    for (const b of ['B3', 'B4']) {
      const r = t1.bearings.find((x) => x.bearing === b)!;
      expect(r.first_alarm_row).not.toBeNull();
      expect(r.first_alarm_row!).toBeLessThan(rows - 1);
      expect(r.first_alarm_row!).toBeGreaterThanOrEqual(r.commissioning_rows);
    }
    expect(t1.bearings.every((b) => b.quality.good === rows)).toBe(true);
    const t3 = report.trajectories.find((t) => t.file === 'ims_test3_meanabs.f32')!;
    for (const b of t3.bearings) {
      expect(b.quality).toEqual({ good: t3.rows - 1, bad: 1 });
      expect(b.bad_rows).toEqual([t3.rows - 1]);
    }

    // The same trajectories with fp32 production models: every detection result is the same as with int8.
    const fp32 = await evaluateIms(ims.dir, () => {}, { precision: 'fp32' });
    const detections = (r: typeof report): unknown => r.trajectories.map((t) => t.bearings.map((b) => ({ b: b.bearing, first: b.first_alarm_row, danger: b.first_danger_row, rows: b.alarm_rows, quality: b.quality })));
    expect(detections(fp32)).toEqual(detections(report));
  }, 400_000);
});
