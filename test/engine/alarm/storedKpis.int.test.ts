import { afterAll, describe, expect, it } from 'vitest';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { alarmsCommand, storedAlarmKpis } from '../../../engine/alarm/storedKpis';
import type { AlarmLevel, AlarmLevelChanged } from '../../../engine/contract';
import { openDatabase } from '../../../engine/store/openDatabase';
import { Repository } from '../../../engine/store/Repository';
import { assetConfig, tempDirs } from '../store/fixtures';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 1);
const level = (atMs: number, assetId: string, from: AlarmLevel, to: AlarmLevel): AlarmLevelChanged => ({
  type: 'AlarmLevelChanged', assetId, atMs, from, to, source: 'score', value: 1.5, setpoint: 1, modelVersion: 'm-1', diagnosis: null,
});

describe('alarm KPIs over recorded history', () => {
  it('given a journal with a chattering alarm, a flood and an alarm active since the day before, then the period report counts them from the store, and `vigil alarms` prints it', () => {
    const path = dirs.path('kpis.sqlite');
    const { db } = openDatabase(path, { nowMs: () => 0 });
    const repo = new Repository(db);
    for (const id of ['pump-1', 'fan-2', 'gbx-3']) repo.upsertAsset(assetConfig(id), 0);
    const board = new AlarmBoard((e) => repo.journal.append(e));
    // gbx-3: alert since 30 h before the period, never cleared: a stale alarm.
    board.onEngineEvent(level(T0 - 30 * H, 'gbx-3', 'normal', 'alert'));
    // pump-1: chattering, 4 activations within one minute, 2 h into the period.
    for (let k = 0; k < 4; k++) {
      board.onEngineEvent(level(T0 + 2 * H + k * 10_000, 'pump-1', 'normal', 'alert'));
      board.onEngineEvent(level(T0 + 2 * H + k * 10_000 + 5_000, 'pump-1', 'alert', 'normal'));
    }
    // fan-2: a flood, 12 alert activations within 10 minutes, 5 h into the period.
    for (let k = 0; k < 12; k++) {
      board.onEngineEvent(level(T0 + 5 * H + k * 40_000, 'fan-2', 'normal', 'alert'));
      board.onEngineEvent(level(T0 + 5 * H + k * 40_000 + 20_000, 'fan-2', 'alert', 'normal'));
    }
    // After the period: not counted.
    board.onEngineEvent(level(T0 + 30 * H, 'pump-1', 'normal', 'alert'));

    const k = storedAlarmKpis(repo.journal, T0, T0 + 24 * H);
    expect(k.activations).toBe(16);
    expect(k.truncated).toBe(false);
    expect(k.chattering).toEqual(expect.arrayContaining([{ assetId: 'pump-1', alarmKey: 'level.alert', maxPerMinute: 4 }]));
    expect(k.floods).toHaveLength(1);
    expect(k.floods[0]!.activations).toBeGreaterThan(10);
    expect(k.stale).toEqual([{ assetId: 'gbx-3', alarmKey: 'level.alert', activeMs: 54 * H }]);
    expect(k.badActors[0]).toMatchObject({ assetId: 'fan-2', alarmKey: 'level.alert', activations: 12 });
    expect(k.priorityMix.medium.activations).toBe(16);
    db.close();

    let out = '';
    expect(alarmsCommand({ db: path, from: new Date(T0).toISOString(), to: String(T0 + 24 * H) }, (s) => (out += s))).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ from: new Date(T0).toISOString(), activations: 16, floods: [{ activations: expect.any(Number) }] });
    expect(() => alarmsCommand({ db: path, from: 'yesterday' }, () => {})).toThrow(/--from must be an ISO time/);
    expect(() => alarmsCommand({ db: dirs.path('nope.sqlite') }, () => {})).toThrow(/no database at/);
    const again = openDatabase(path).db;
    expect(() => storedAlarmKpis(new Repository(again).journal, T0, T0)).toThrow(/must end after it starts/);
    again.close();
  });
});
