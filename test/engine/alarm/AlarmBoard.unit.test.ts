import { describe, expect, it } from 'vitest';
import { activationsFromJournal, AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import type { AlarmEvent } from '../../../engine/alarm/alarmDecider';
import { alarmKpis } from '../../../engine/alarm/alarmKpis';
import type { AlarmLevel, AlarmLevelChanged } from '../../../engine/contract';

const level = (atMs: number, from: AlarmLevel, to: AlarmLevel, assetId = 'pump-101'): AlarmLevelChanged => ({
  type: 'AlarmLevelChanged', assetId, atMs, from, to, source: 'score', value: to === 'danger' ? 3.4 : 1.2, setpoint: to === 'danger' ? 3 : 1, modelVersion: 'm-1', diagnosis: null,
});

describe('alarm board: protection levels become ISA-18.2 alarms', () => {
  it('given alert → danger → alert → normal, then both alarms activate and clear in order, and stay unacknowledged until an operator acknowledges', () => {
    const journal: AlarmEvent[] = [];
    const board = new AlarmBoard((e) => journal.push(e));
    board.onEngineEvent(level(1000, 'normal', 'alert'));
    board.onEngineEvent(level(2000, 'alert', 'danger'));
    expect(board.rows().map((r) => [r.alarmKey, r.state])).toEqual([
      ['level.danger', 'active-unacknowledged'],
      ['level.alert', 'active-unacknowledged'],
    ]);
    board.onEngineEvent(level(3000, 'danger', 'alert'));
    board.onEngineEvent(level(4000, 'alert', 'normal'));
    expect(journal.map((e) => [e.type, e.alarmKey, e.stateAfter])).toEqual([
      ['AlarmActivated', 'level.alert', 'active-unacknowledged'],
      ['AlarmActivated', 'level.danger', 'active-unacknowledged'],
      ['AlarmCleared', 'level.danger', 'returned-unacknowledged'],
      ['AlarmCleared', 'level.alert', 'returned-unacknowledged'],
    ]);
    const ack = board.command('pump-101', 'level.danger', { type: 'Acknowledge', atMs: 5000, by: 'olga', note: 'seen, maintenance called' });
    expect(ack).toMatchObject([{ type: 'AlarmAcknowledged', by: 'olga', note: 'seen, maintenance called', stateAfter: 'normal' }]);
    const again = board.command('pump-101', 'level.danger', { type: 'Acknowledge', atMs: 5100, by: 'olga' });
    expect(again).toMatchObject([{ type: 'CommandRefused', command: 'Acknowledge' }]);
    expect(() => board.command('pump-101', 'level.nope', { type: 'Tick', atMs: 1 })).toThrow(/unknown alarm level.nope/);
  });

  it('given a shelved alarm, it is hidden while shelved and comes back unacknowledged when the shelve expires on tick', () => {
    const journal: AlarmEvent[] = [];
    const board = new AlarmBoard((e) => journal.push(e));
    board.onEngineEvent(level(0, 'normal', 'alert', 'fan-201'));
    board.command('fan-201', 'level.alert', { type: 'Shelve', atMs: 1000, by: 'olga', reason: 'known chatter during cleaning', durationMs: 60_000 });
    expect(board.rows()[0]).toMatchObject({ state: 'shelved', annunciated: false, shelvedUntilMs: 61_000 });
    board.tick(30_000);
    expect(board.rows()[0]!.state).toBe('shelved');
    board.tick(61_000);
    expect(board.rows()[0]).toMatchObject({ state: 'active-unacknowledged', annunciated: true });
    expect(journal.at(-1)).toMatchObject({ type: 'ShelveExpired', shelvedBy: 'olga' });
    const tooLong = board.command('fan-201', 'level.alert', { type: 'Shelve', atMs: 70_000, by: 'olga', reason: 'weekend', durationMs: 100 * 3_600_000 });
    expect(tooLong).toMatchObject([{ type: 'CommandRefused', command: 'Shelve' }]);
  });

  it('the journal gives the KPIs their activations', () => {
    const journal: AlarmEvent[] = [];
    const board = new AlarmBoard((e) => journal.push(e));
    for (let k = 0; k < 4; k++) {
      board.onEngineEvent(level(k * 10_000, 'normal', 'alert'));
      board.onEngineEvent(level(k * 10_000 + 5000, 'alert', 'normal'));
    }
    const acts = activationsFromJournal(journal);
    expect(acts).toHaveLength(4);
    expect(acts[0]).toEqual({ assetId: 'pump-101', alarmKey: 'level.alert', priority: 'medium', activatedMs: 0, clearedMs: 5000 });
    expect(alarmKpis(acts, 0, 600_000).chattering).toEqual([{ assetId: 'pump-101', alarmKey: 'level.alert', maxPerMinute: 4 }]);
  });
});

describe('alarm board: suppression by design and sensor faults', () => {
  const stateChange = (atMs: number, from: 'running' | 'startup' | 'stopped', to: 'running' | 'startup' | 'stopped') =>
    ({ type: 'OperatingStateChanged', assetId: 'pump-101', atMs, from, to, tripMultiply: 1 }) as const;

  it('given an active alert, when the machine stops then its alarms are suppressed by design and not annunciated; when it starts again they come back as their condition implies', () => {
    const journal: AlarmEvent[] = [];
    const board = new AlarmBoard((e) => journal.push(e));
    board.onEngineEvent(level(1000, 'normal', 'alert'));
    board.onEngineEvent(stateChange(2000, 'running', 'stopped'));
    const rows = board.rows();
    expect(rows.find((r) => r.alarmKey === 'level.alert')).toMatchObject({ state: 'suppressed-by-design', annunciated: false });
    expect(rows.filter((r) => r.annunciated)).toEqual([]);
    expect(journal.filter((e) => e.type === 'AlarmSuppressed').map((e) => e.alarmKey)).toEqual(['level.alert']);
    // Stopped and alarming anew: tracked, journaled, suppressed from its first moment, not shown.
    board.onEngineEvent(level(2200, 'alert', 'danger'));
    expect(board.rows().find((r) => r.alarmKey === 'level.danger')).toMatchObject({ state: 'suppressed-by-design', annunciated: false });
    board.onEngineEvent(level(2500, 'danger', 'normal'));
    board.onEngineEvent(stateChange(3000, 'stopped', 'startup'));
    expect(board.rows().find((r) => r.alarmKey === 'level.alert')).toMatchObject({ state: 'normal', annunciated: false });
    expect(journal.filter((e) => e.type === 'AlarmUnsuppressed')).toHaveLength(2);
    // Start-up to running is not a suppression change.
    board.onEngineEvent(stateChange(4000, 'startup', 'running'));
    expect(journal.filter((e) => e.type === 'AlarmUnsuppressed')).toHaveLength(2);
    // A machine that stops with no alarm of its own adds no rows to the operator's list.
    const quiet = new AlarmBoard(() => {});
    quiet.onEngineEvent({ ...stateChange(5000, 'running', 'stopped'), assetId: 'fan-201' });
    expect(quiet.rows()).toEqual([]);
  });

  it('given sensor faults on two channels, then one high-priority sensor alarm is active until the last channel is good again', () => {
    const board = new AlarmBoard(() => {});
    const notice = (atMs: number, kind: 'sensor_fault' | 'sensor_restored', channelId: string) => ({ type: 'ProtectionNotice', assetId: 'pump-101', atMs, kind, channelId, detail: '' }) as const;
    board.onEngineEvent(notice(1000, 'sensor_fault', 'de'));
    board.onEngineEvent(notice(1100, 'sensor_fault', 'fe'));
    expect(board.rows()).toMatchObject([{ alarmKey: 'sensor.fault', priority: 'high', state: 'active-unacknowledged', value: 1 }]);
    board.onEngineEvent(notice(2000, 'sensor_restored', 'de'));
    expect(board.rows()[0]!.state).toBe('active-unacknowledged');
    board.onEngineEvent(notice(3000, 'sensor_restored', 'fe'));
    expect(board.rows()[0]!.state).toBe('returned-unacknowledged');
  });
});
