import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../engine/cli';
import { incidentTimeline, timelineToCsv, timelineToHtml, timelineToJson } from '../../../engine/incident/incidentTimeline';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { AuditTrail } from '../../../engine/store/AuditTrail';
import { alarmEvent, assetConfig, DIAGNOSIS, journalEvents, modelInput, tempDirs, tripEvent } from '../store/fixtures';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('incident timeline', () => {
  it('given an incident with alert, danger, a trip, a promotion and operator feedback, then one millisecond-ordered record exports as JSON, CSV and printable HTML', () => {
    const { db } = openDatabase(dirs.path('timeline.sqlite'), { nowMs: () => 0 });
    const repo = new Repository(db);
    repo.upsertAsset(assetConfig('pump-1'), 0);
    repo.models.saveModelVersion(modelInput('m-abc123', 1));
    repo.models.recordPromotion({ assetId: 'pump-1', channelId: 'de_accel', fromVersion: null, toVersion: 'm-abc123', atMs: 500, kind: 'commissioning', by: 'commissioning', reason: 'learned' });
    repo.openIncident({ id: 'inc-1', assetId: 'pump-1', openedMs: 1000, modelVersion: 'm-abc123', firstAlertMs: 1000, diagnosis: DIAGNOSIS, maxScore: 1.4 });
    repo.insertAlarmEvent(alarmEvent(1000));
    repo.insertAlarmEvent({ ...alarmEvent(1500), from: 'alert', to: 'danger', value: 3.2, setpoint: 3 });
    repo.insertTrip({ ...tripEvent(1500), incidentId: 'inc-1', actuator: 'plc-7 "main"' });
    repo.updateIncident('inc-1', { tripMs: 1500, tripFrame: { channelId: 'de_accel', startMs: 1100, sampleRateHz: 12_000, shaftHz: 29.9, samples: Float32Array.from([0.1, -0.2, 0.3]) } });
    repo.models.insertFeedback({ assetId: 'pump-1', channelId: 'de_accel', incidentId: 'inc-1', verdict: 'confirmed_fault', by: 'olga', note: 'spall, <b>replace</b>', atMs: 4000, modelVersion: 'm-abc123', fromMs: 1000, toMs: 3000, vectors: [Float32Array.from([1, 2])] });
    repo.closeIncident('inc-1', 3000, 'tripped and stopped');
    repo.insertAlarmEvent(alarmEvent(9000)); // after the incident: not part of it

    const t = incidentTimeline(repo, 'inc-1');
    expect(t.entries.map((e) => [e.atMs, e.kind])).toEqual([
      [1000, 'incident_opened'],
      [1000, 'level_changed'],
      [1500, 'level_changed'],
      [1500, 'trip_decided'],
      [1501.25, 'trip_commanded'],
      [3000, 'incident_closed'],
      [4000, 'operator_feedback'],
    ]);
    expect(t.entries.every((e) => e.modelVersion === 'm-abc123')).toBe(true);
    expect(t.tripFrame?.samples).toEqual(Float32Array.from([0.1, -0.2, 0.3]));

    const json = JSON.parse(timelineToJson(t)) as { entries: Array<{ at: string }>; tripFrame: { samples: number[] } };
    expect(json.entries[0]!.at).toBe('1970-01-01T00:00:01.000Z');
    expect(json.tripFrame.samples).toHaveLength(3);
    const csv = timelineToCsv(t).trim().split('\n');
    expect(csv[0]).toBe('time,epoch_ms,kind,model_version,text');
    expect(csv).toHaveLength(8);
    expect(csv[5]).toContain('"trip command sent to plc-7 ""main"", 1.83 ms after the frame arrived"');
    const html = timelineToHtml(t);
    expect(html).toContain('<h1>Incident inc-1</h1>');
    expect(html).toContain('spall, &#60;b&#62;replace&#60;/b&#62;');
    expect(html).not.toMatch(/<script|https?:\/\//);
    db.close();
  });

  it('given alarm-state changes and audited operator actions while it was open, then the timeline shows them in order, with refusals and without the ones on other assets or after it closed', () => {
    const { db } = openDatabase(dirs.path('actions.sqlite'), { nowMs: () => 0 });
    const repo = new Repository(db);
    repo.upsertAsset(assetConfig('pump-1'), 0);
    repo.openIncident({ id: 'inc-2', assetId: 'pump-1', openedMs: 10_000, modelVersion: 'm-abc123', firstAlertMs: 10_000 });
    for (const e of journalEvents(10_000)) repo.journal.append(e);
    let now = 0;
    const audit = new AuditTrail(db, { nowMs: () => now });
    const act = (atMs: number, actor: string, action: string, target: string, outcome: 'done' | 'refused' | 'failed', refusal?: string) => {
      now = atMs;
      audit.record({ actor, role: actor === 'olga' ? 'operator' : 'engineer', action, target, reason: 'test', outcome, ...(refusal ? { refusal } : {}) });
    };
    act(11_500, 'olga', 'alarm.acknowledge', 'pump-1/level.alert', 'done'); // in the journal already
    act(17_000, 'olga', 'reset', 'pump-1', 'refused', 'role operator may not reset');
    act(18_000, 'erin', 'reset', 'pump-1', 'failed', 'reset refused: danger condition still holds: score');
    act(18_500, 'erin', 'bypass', 'fan-2', 'done'); // another asset
    act(19_000, 'erin', 'reset', 'pump-1', 'done');
    repo.closeIncident('inc-2', 20_000, 'reset after repair');
    act(25_000, 'erin', 'setpoint.change', 'pump-1', 'done'); // after it closed

    const t = incidentTimeline(repo, 'inc-2', audit);
    const kinds = t.entries.map((e) => [e.atMs, e.kind]);
    expect(kinds.filter(([, k]) => k === 'alarm_state')).toHaveLength(7);
    expect(t.entries.filter((e) => e.kind === 'operator_action').map((e) => [e.atMs, e.text])).toEqual([
      [17_000, 'olga (operator): reset pump-1 (test) — refused: role operator may not reset'],
      [18_000, 'erin (engineer): reset pump-1 (test) — failed: reset refused: danger condition still holds: score'],
      [19_000, 'erin (engineer): reset pump-1 (test)'],
    ]);
    expect(t.entries.find((e) => e.detail['type'] === 'AlarmAcknowledged')?.text).toBe('alarm score.alert acknowledged by op-ana: checking bearing temp');
    expect(kinds.at(-1)).toEqual([20_000, 'incident_closed']);
    expect(timelineToHtml(t)).toContain('danger condition still holds');
    db.close();
  });

  it('given the database, `vigil incident` lists incidents and exports one as HTML; a wrong id, format or path is refused with a clear message', async () => {
    const path = dirs.path('cli.sqlite');
    const { db } = openDatabase(path, { nowMs: () => 0 });
    const repo = new Repository(db);
    repo.upsertAsset(assetConfig('pump-1'), 0);
    repo.openIncident({ id: 'inc-7', assetId: 'pump-1', openedMs: 1000, modelVersion: 'm-abc123', firstAlertMs: 1000, diagnosis: DIAGNOSIS, maxScore: 1.4 });
    repo.insertAlarmEvent(alarmEvent(1000));
    db.close();
    const printed: string[] = [];
    const errors: string[] = [];
    const log = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (printed.push(String(s)), true));
    const err = vi.spyOn(console, 'error').mockImplementation((s: unknown) => void errors.push(String(s)));
    try {
      expect(await main(['incident', '--db', path])).toBe(0);
      expect(printed.join('')).toMatch(/^inc-7\tpump-1\t1970-01-01T00:00:01.000Z\talarm\tinner_race/);
      const html = dirs.path('inc-7.html');
      expect(await main(['incident', '--db', path, '--id', 'inc-7', '--format', 'html', '--out', html])).toBe(0);
      expect(readFileSync(html, 'utf8')).toContain('<h1>Incident inc-7</h1>');
      expect(await main(['incident', '--db', path, '--id', 'inc-nope'])).toBe(1);
      expect(await main(['incident', '--db', path, '--id', 'inc-7', '--format', 'pdf'])).toBe(2);
      expect(await main(['incident', '--db', dirs.path('missing.sqlite')])).toBe(1);
      expect(existsSync(dirs.path('missing.sqlite'))).toBe(false);
      expect(errors.join('\n')).toMatch(/unknown incident inc-nope[\s\S]*--format must be json, csv or html, got 'pdf'[\s\S]*no database at/);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });

  it('refuses an unknown incident with a clear error', () => {
    const { db } = openDatabase(dirs.path('empty.sqlite'), { nowMs: () => 0 });
    expect(() => incidentTimeline(new Repository(db), 'inc-nope')).toThrow(/unknown incident inc-nope/);
    db.close();
  });
});
