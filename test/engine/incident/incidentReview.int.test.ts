import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentExportSchema, IncidentMomentSchema, SnapshotSeriesSchema, type ConsoleReply, type SnapshotSeries } from '../../../engine/contract';
import type { WaveformSnapshot } from '../../../engine/incident/WaveformRecorder';
import { simulatedIncident, type SimulatedIncident } from '../../support/simulatedIncident';

/**
 * Incident review over the console protocol, against a real engine and store: an incident that
 * pump-101 of the simulator really had (outer-race fault, alert, danger, trip, both waveform
 * snapshots and the 1-second score history stored), read back through `ConsoleHost.handle`.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-incident-review-'));
/** A fault that grows slowly enough for the first alert and the trip (with danger) to be 17 s apart: two separate snapshots. */
const SLOW_FAULT = { growthTauSec: 30, initialSeverity: 0.02 };
let c: SimulatedIncident;
let token: string;
let trip: WaveformSnapshot;
let alert: WaveformSnapshot;

beforeAll(async () => {
  c = await simulatedIncident(join(dir, 'review.sqlite'), SLOW_FAULT);
  token = await c.signIn();
  trip = c.store.repo.snapshots.get(c.incidentId, 'de_accel', 'trip')!;
  alert = c.store.repo.snapshots.get(c.incidentId, 'de_accel', 'alert')!;
}, 120_000);

afterAll(async () => {
  await c?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
const ask = (method: string, params: Record<string, unknown>): Promise<ConsoleReply> => c.host.handle(token, { id: `r${++seq}`, method, ...params });
async function value<T>(schema: { parse(v: unknown): T }, method: string, params: Record<string, unknown>): Promise<T> {
  const r = await ask(method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return schema.parse(r.value);
}
const errorOf = async (method: string, params: Record<string, unknown>) => {
  const r = await ask(method, params);
  return r.ok ? null : r.error;
};

/** Finite min and max of samples[from, to), read straight from the stored snapshot. */
function rawExtremes(s: Float32Array, from: number, to: number): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    if (!Number.isFinite(s[i]!)) continue;
    min = Math.min(min, s[i]!);
    max = Math.max(max, s[i]!);
  }
  return { min, max };
}

/** Every point is a stored sample at its index and time; the extremes are the range's, exactly. */
function expectFaithful(series: SnapshotSeries, s: WaveformSnapshot): void {
  const { index, timeMs, value: v } = series.points;
  expect(index.length).toBe(v.length);
  expect(timeMs.length).toBe(v.length);
  index.forEach((i, k) => {
    expect(v[k]).toBe(s.samples[i]);
    expect(timeMs[k]).toBe(s.startMs + i * (1000 / s.sampleRateHz));
    expect(i).toBeGreaterThanOrEqual(series.range.fromIndex);
    expect(i).toBeLessThan(series.range.toIndex);
  });
  expect(index.every((i, k) => k === 0 || i > index[k - 1]!)).toBe(true);
  const raw = rawExtremes(s.samples, series.range.fromIndex, series.range.toIndex);
  expect([series.min, series.max]).toEqual([raw.min, raw.max]);
  expect([Math.min(...v), Math.max(...v)]).toEqual([raw.min, raw.max]);
}

/**
 * An oracle independent of the engine's FFT: a direct DFT of the periodic-Hann-windowed samples,
 * amplitude-scaled by 2 / Σw (half at DC and Nyquist), in double precision.
 */
function directSpectrum(x: ArrayLike<number>): number[] {
  const n = x.length;
  const w = Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  const sumW = w.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      const a = (2 * Math.PI * k * t) / n;
      re += x[t]! * w[t]! * Math.cos(a);
      im -= x[t]! * w[t]! * Math.sin(a);
    }
    out.push((Math.hypot(re, im) * 2 * (k === 0 || k === n / 2 ? 0.5 : 1)) / sumW);
  }
  return out;
}

describe('incident review on a simulated trip (pump-101, outer race)', () => {
  it('given the stored incident, then it has first alert → danger → trip and complete 10-s snapshots around the alert and the trip', () => {
    expect(c.dangerMs).not.toBeNull();
    expect(c.firstAlertMs).toBeLessThanOrEqual(c.dangerMs!);
    expect(c.dangerMs!).toBeLessThanOrEqual(c.tripMs);
    expect(alert.startMs + 10_000).toBeLessThan(trip.startMs);
    for (const s of [alert, trip]) expect([s.complete, s.samples.length, s.preSamples, s.sampleRateHz]).toEqual([true, 128_000, 64_000, 12_800]);
    console.log(`incident review: ${c.incidentId}, alert → trip ${((c.tripMs - c.firstAlertMs) / 1000).toFixed(2)} s, danger → trip ${((c.tripMs - c.dangerMs!) / 1000).toFixed(2)} s`);
  });

  it('when the whole trip snapshot is asked for, then ≤ 2000 points come back whose min and max are exactly the raw samples\', each point a stored sample at its time, with the stored score and its levels', async () => {
    const series = await value(SnapshotSeriesSchema, 'incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'trip' });
    expect(series.points.value.length).toBeLessThanOrEqual(2000);
    expect(series.points.value.length).toBeGreaterThan(1900);
    expect(series).toMatchObject({ decimated: true, sampleCount: 128_000, preSamples: 64_000, triggerMs: trip.triggerMs, range: { fromIndex: 0, toIndex: 128_000 } });
    expect(series.endMs).toBe(trip.startMs + 10_000);
    expectFaithful(series, trip);
    // The score: one stored value per second of the snapshot, the levels from the configuration version the incident opened under.
    expect(series.score.values.length).toBeGreaterThanOrEqual(10);
    expect(series.score.values.filter((v) => v !== null).length).toBeGreaterThanOrEqual(10);
    expect(series.score.levels).toMatchObject({ groupId: expect.any(String), configVersion: 'cfg-pump-101-1' });
    expect(Math.max(...series.score.values.map((v) => v ?? 0))).toBeGreaterThanOrEqual(series.score.levels!.danger);
  });

  it('when a range inside the snapshot is asked for, then it is served from the first sample at or after fromMs, decimated to maxPoints with exact extremes; a short range comes back whole', async () => {
    const fromMs = trip.triggerMs - 200;
    const toMs = trip.triggerMs + 300;
    const part = await value(SnapshotSeriesSchema, 'incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'trip', fromMs, toMs, maxPoints: 500 });
    const first = Math.ceil(((fromMs - trip.startMs) * 12_800) / 1000 - 0.01);
    expect(part.range.fromIndex).toBe(first);
    expect(part.range.toIndex - part.range.fromIndex).toBe(6400);
    expect(part.points.value.length).toBeLessThanOrEqual(500);
    expect(part.decimated).toBe(true);
    expectFaithful(part, trip);

    const short = await value(SnapshotSeriesSchema, 'incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'alert', fromMs: alert.triggerMs, toMs: alert.triggerMs + 10, maxPoints: 2000 });
    expect(short.decimated).toBe(false);
    expect(short.points.index).toEqual(Array.from({ length: 128 }, (_, k) => alert.preSamples + k));
    expectFaithful(short, alert);
  });

  it('when the moment of the trip is asked for, then its window holds the trip sample, and its spectrum\'s peak is that of a direct DFT of the same stored samples; the score and level are the trip\'s', async () => {
    const m = await value(IncidentMomentSchema, 'incidents.moment', { incidentId: c.incidentId, atMs: c.tripMs });
    expect(m).toMatchObject({ channelId: 'de_accel', outside: null, snapshot: { trigger: 'trip', channelId: 'de_accel' } });
    const w = m.waveform!;
    // The engine's window (4096) halved until it fits 2000 samples.
    expect([w.engineWindowSamples, w.values.length]).toEqual([4096, 1024]);
    expect(w.atIndex).toBe(trip.preSamples);
    expect(w.fromIndex).toBeLessThanOrEqual(trip.preSamples);
    expect(w.fromIndex + w.values.length).toBeGreaterThan(trip.preSamples);
    const stored = trip.samples.subarray(w.fromIndex, w.fromIndex + w.values.length);
    expect(w.values).toEqual(Array.from(stored));

    const s = m.spectrum!;
    expect([s.sizeSamples, s.amplitude.length, s.binHz]).toEqual([1024, 513, 12.5]);
    const oracle = directSpectrum(stored);
    const oraclePeak = oracle.slice(1).reduce((best, a, k) => (a > oracle[best]! ? k + 1 : best), 1);
    expect(s.peak.bin).toBe(oraclePeak);
    expect(s.peak.freqHz).toBe(oraclePeak * 12.5);
    expect(Math.abs(s.peak.amplitude - oracle[oraclePeak]!) / oracle[oraclePeak]!).toBeLessThan(1e-4);
    const worst = Math.max(...oracle.map((a, k) => Math.abs(a - s.amplitude[k]!)));
    expect(worst / oracle[oraclePeak]!).toBeLessThan(1e-4);

    expect(m.score.level).toBe('danger');
    expect(m.score.levelSinceMs).toBeLessThanOrEqual(c.tripMs);
    expect(m.score.value).not.toBeNull();
    expect(m.score.levels).toMatchObject({ configVersion: 'cfg-pump-101-1' });
    console.log(`incident review: trip moment peak ${s.peak.freqHz} Hz (${s.peak.amplitude.toPrecision(4)}), score ${m.score.value?.toFixed(2)} (alert ${m.score.levels?.alert}, danger ${m.score.levels?.danger}), worst bin error ${(worst / oracle[oraclePeak]!).toExponential(1)} of the peak`);
  });

  it('when the moment of the first alert is asked for, then the level is alert and the window is the alert snapshot\'s, around its trigger sample', async () => {
    const m = await value(IncidentMomentSchema, 'incidents.moment', { incidentId: c.incidentId, atMs: c.firstAlertMs, channelId: 'de_accel' });
    expect(m.score).toMatchObject({ level: 'alert', levelSinceMs: c.firstAlertMs });
    expect(m.snapshot).toMatchObject({ trigger: 'alert', triggerMs: c.firstAlertMs });
    expect(m.waveform!.atIndex).toBe(alert.preSamples);
    expect(m.waveform!.values).toEqual(Array.from(alert.samples.subarray(alert.preSamples - 512, alert.preSamples + 512)));
  });

  it('when a moment outside every snapshot is asked for, then it says so clearly and still gives the score and level from the records', async () => {
    const before = await value(IncidentMomentSchema, 'incidents.moment', { incidentId: c.incidentId, atMs: alert.startMs - 3000 });
    expect(before).toMatchObject({ channelId: 'de_accel', snapshot: null, waveform: null, spectrum: null, score: { level: 'normal', levelSinceMs: null } });
    expect(before.outside).toMatch(/is outside every waveform snapshot of de_accel \(recorded: first alert .* … .*; trip .* … .*\)/);
    expect(before.score.value).not.toBeNull();
    // Between the two snapshots: alert, not yet danger; no waveform was recorded there.
    const between = await value(IncidentMomentSchema, 'incidents.moment', { incidentId: c.incidentId, atMs: alert.startMs + 11_000 });
    expect(between).toMatchObject({ waveform: null, spectrum: null, score: { level: 'alert', levelSinceMs: c.firstAlertMs } });
    expect(between.outside).toMatch(/outside every waveform snapshot/);
    const after = await value(IncidentMomentSchema, 'incidents.moment', { incidentId: c.incidentId, atMs: trip.startMs + 10_000 });
    expect(after).toMatchObject({ waveform: null, score: { level: 'danger' } });
  });

  it('when the incident is exported, then the HTML is the CLI\'s report and the JSON holds the timeline and both snapshots decimated to ≤ 2000 points', async () => {
    const html = await value(IncidentExportSchema, 'incidents.export', { incidentId: c.incidentId, format: 'html' });
    expect(html).toMatchObject({ fileName: `incident-${c.incidentId}.html`, mediaType: 'text/html' });
    expect(html.text).toContain(`<h1>Incident ${c.incidentId}</h1>`);
    expect(html.text.match(/<svg /g)).toHaveLength(2);
    expect(html.text).not.toMatch(/<script/);
    const json = await value(IncidentExportSchema, 'incidents.export', { incidentId: c.incidentId, format: 'json' });
    const body = JSON.parse(json.text) as { incident: { entries: Array<{ kind: string }> }; snapshots: SnapshotSeries[] };
    expect(body.incident.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['incident_opened', 'level_changed', 'trip_decided', 'trip_commanded', 'waveform_snapshot']));
    expect(body.snapshots.map((s) => [s.trigger, s.points.value.length <= 2000])).toEqual(expect.arrayContaining([['alert', true], ['trip', true]]));
    expectFaithful(SnapshotSeriesSchema.parse(body.snapshots.find((s) => s.trigger === 'trip')), trip);
    console.log(`incident review: export HTML ${(html.text.length / 1024).toFixed(0)} KB, JSON ${(json.text.length / 1024).toFixed(0)} KB (2 snapshots of 128 000 samples)`);
  });

  it('given an unknown incident, channel or snapshot, then not_found; given a malformed request, then bad_request naming what is wrong', async () => {
    for (const [method, extra] of [['incidents.snapshot', { channelId: 'de_accel', trigger: 'trip' }], ['incidents.moment', { atMs: 0 }], ['incidents.export', { format: 'html' }]] as const) {
      expect(await errorOf(method, { incidentId: 'inc-nope', ...extra })).toEqual({ code: 'not_found', message: 'unknown incident inc-nope' });
    }
    expect(await errorOf('incidents.snapshot', { incidentId: c.incidentId, channelId: 'nde_accel', trigger: 'trip' })).toEqual({ code: 'not_found', message: `incident ${c.incidentId} has no trip snapshot of nde_accel (it has de_accel/alert, de_accel/trip)` });
    expect(await errorOf('incidents.moment', { incidentId: c.incidentId, atMs: c.tripMs, channelId: 'nde_accel' })).toMatchObject({ code: 'not_found', message: expect.stringMatching(/has no channel nde_accel \(channels: de_accel\)/) });
    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'trip', maxPoints: 5000 }, /maxPoints/],
      ['incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'boom' }, /trigger/],
      ['incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'trip', fromMs: trip.triggerMs, toMs: trip.triggerMs - 1 }, /toMs .* is before fromMs/],
      ['incidents.moment', { incidentId: c.incidentId }, /atMs/],
      ['incidents.moment', { incidentId: c.incidentId, atMs: 'now' }, /atMs/],
      ['incidents.export', { incidentId: c.incidentId, format: 'pdf' }, /format/],
    ];
    for (const [method, params, message] of bad) expect(await errorOf(method, params)).toEqual({ code: 'bad_request', message: expect.stringMatching(message) });
  });

  it('reports how long the host takes for a moment and for a whole-snapshot series (it answers on the engine\'s thread)', async () => {
    const rounds = 40;
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) await value(IncidentMomentSchema, 'incidents.moment', { incidentId: c.incidentId, atMs: trip.startMs + i * 250 });
    const momentMs = (performance.now() - t0) / rounds;
    const t1 = performance.now();
    for (let i = 0; i < 10; i++) await value(SnapshotSeriesSchema, 'incidents.snapshot', { incidentId: c.incidentId, channelId: 'de_accel', trigger: 'trip' });
    const seriesMs = (performance.now() - t1) / 10;
    console.log(`incident review: incidents.moment ${momentMs.toFixed(2)} ms, incidents.snapshot (128 000 samples → 2000 points) ${seriesMs.toFixed(2)} ms, mean on a shared 2-core machine`);
    // Generous bounds for a loaded machine (measured 3–10 ms): a reviewer dragging the cursor must not hold the engine for long.
    expect(momentMs).toBeLessThan(100);
    expect(seriesMs).toBeLessThan(100);
  });
});
