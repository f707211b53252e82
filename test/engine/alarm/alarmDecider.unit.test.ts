import { describe, expect, it } from 'vitest';
import {
  ALARM_PRIORITIES,
  ISA_STATE_CODE,
  alarmStateName,
  annunciated,
  decide,
  evolve,
  handle,
  initialAlarmState,
  replayAlarm,
  type AlarmCommand,
  type AlarmConfig,
  type AlarmEvent,
  type AlarmEventType,
  type AlarmState,
  type AlarmStateName,
} from '../../../engine/alarm/alarmDecider';
import { Rng } from '../../../engine/ingest/rng';

const MAX_SHELVE_MS = 8 * 3_600_000;
const SHELVE_MS = 3_600_000;
const config: AlarmConfig = { assetId: 'pump-101', alarmKey: 'score.alert', priority: 'high', maxShelveMs: MAX_SHELVE_MS };
const ID = { assetId: 'pump-101', alarmKey: 'score.alert', priority: 'high' } as const;
/** When every `when` command happens: after all given facts, before the given shelve expires. */
const T = 60_000;

/** Past facts a test can start from; fact i happens at i seconds. */
const FACTS = {
  activated: (atMs: number) => ({ type: 'AlarmActivated', atMs, value: 1.4, setpoint: 1 }),
  cleared: (atMs: number) => ({ type: 'AlarmCleared', atMs }),
  acknowledged: (atMs: number) => ({ type: 'AlarmAcknowledged', atMs, by: 'op-ana', note: null }),
  shelved: (atMs: number) => ({ type: 'AlarmShelved', atMs, by: 'op-ana', reason: 'chattering', durationMs: SHELVE_MS, untilMs: atMs + SHELVE_MS }),
  suppressed: (atMs: number) => ({ type: 'AlarmSuppressed', atMs, by: 'machine-state', reason: 'machine stopped' }),
  removed: (atMs: number) => ({ type: 'AlarmRemovedFromService', atMs, by: 'eng-bo', reason: 'sensor being replaced' }),
} as const;
type Fact = keyof typeof FACTS;

/** Given these facts (as journaled events), the alarm's state. */
function given(...facts: Fact[]): AlarmState {
  let state = initialAlarmState(config);
  facts.forEach((fact, i) => {
    const partial = FACTS[fact](i * 1000);
    const next = evolve(state, { ...ID, stateAfter: 'normal', ...partial } as AlarmEvent);
    state = next;
  });
  return state;
}

/** An expected event at time T (or `atMs`). */
function ev(type: AlarmEventType, stateAfter: AlarmStateName, extra: Record<string, unknown> = {}, atMs = T): AlarmEvent {
  return { ...ID, atMs, type, stateAfter, ...extra } as AlarmEvent;
}
function refused(command: AlarmCommand['type'], stateNow: AlarmStateName, by: string | null, reason: string): AlarmEvent {
  return ev('CommandRefused', stateNow, { command, by, reason });
}

const activate: AlarmCommand = { type: 'Activate', atMs: T, value: 2.5, setpoint: 1 };
const clear: AlarmCommand = { type: 'Clear', atMs: T };
const ack = (note?: string, by = 'op-cy'): AlarmCommand => ({ type: 'Acknowledge', atMs: T, by, ...(note === undefined ? {} : { note }) });
const shelve = (durationMs = SHELVE_MS, reason = 'instrument chattering', by = 'op-cy'): AlarmCommand => ({ type: 'Shelve', atMs: T, by, reason, durationMs });
const unshelve: AlarmCommand = { type: 'Unshelve', atMs: T, by: 'op-cy' };
const suppress: AlarmCommand = { type: 'Suppress', atMs: T, by: 'machine-state', reason: 'machine stopped' };
const unsuppress: AlarmCommand = { type: 'Unsuppress', atMs: T, by: 'machine-state', reason: 'machine running' };
const remove = (reason = 'transmitter faulty', by = 'eng-di'): AlarmCommand => ({ type: 'RemoveFromService', atMs: T, by, reason });
const restore = (reason = 'transmitter repaired', by = 'eng-di'): AlarmCommand => ({ type: 'ReturnToService', atMs: T, by, reason });

const activated = (stateAfter: AlarmStateName) => ev('AlarmActivated', stateAfter, { value: 2.5, setpoint: 1 });
const cleared = (stateAfter: AlarmStateName) => ev('AlarmCleared', stateAfter);
const shelvedEv = (stateAfter: AlarmStateName, durationMs = SHELVE_MS) =>
  ev('AlarmShelved', stateAfter, { by: 'op-cy', reason: 'instrument chattering', durationMs, untilMs: T + durationMs });
const unshelved = (stateAfter: AlarmStateName) => ev('AlarmUnshelved', stateAfter, { by: 'op-cy' });
const suppressed = (stateAfter: AlarmStateName) => ev('AlarmSuppressed', stateAfter, { by: 'machine-state', reason: 'machine stopped' });
const unsuppressed = (stateAfter: AlarmStateName) => ev('AlarmUnsuppressed', stateAfter, { by: 'machine-state', reason: 'machine running' });
const removedEv = (stateAfter: AlarmStateName) => ev('AlarmRemovedFromService', stateAfter, { by: 'eng-di', reason: 'transmitter faulty' });
const restored = (stateAfter: AlarmStateName) => ev('AlarmReturnedToService', stateAfter, { by: 'eng-di', reason: 'transmitter repaired' });

interface Row {
  name: string;
  given: Fact[];
  when: AlarmCommand;
  then: AlarmEvent[];
}

const transitions: Row[] = [
  // Process condition, annunciated states (the ISA-18.2 diagram).
  { name: 'Activate while normal annunciates it unacknowledged', given: [], when: activate, then: [activated('active-unacknowledged')] },
  { name: 'Activate while RTNUN re-annunciates it unacknowledged', given: ['activated', 'cleared'], when: activate, then: [activated('active-unacknowledged')] },
  { name: 'Activate while UNACK is a no-op', given: ['activated'], when: activate, then: [] },
  { name: 'Activate while ACKED is a no-op', given: ['activated', 'acknowledged'], when: activate, then: [] },
  { name: 'Clear while UNACK returns it unacknowledged', given: ['activated'], when: clear, then: [cleared('returned-unacknowledged')] },
  { name: 'Clear while ACKED returns it to normal', given: ['activated', 'acknowledged'], when: clear, then: [cleared('normal')] },
  { name: 'Clear while normal is a no-op', given: [], when: clear, then: [] },
  { name: 'Clear while RTNUN is a no-op', given: ['activated', 'cleared'], when: clear, then: [] },
  // Process condition, hidden states: tracked, not annunciated.
  { name: 'Activate while shelved is tracked but stays shelved', given: ['shelved'], when: activate, then: [activated('shelved')] },
  { name: 'Activate while suppressed is tracked but stays suppressed', given: ['suppressed'], when: activate, then: [activated('suppressed-by-design')] },
  { name: 'Activate while out of service is tracked but stays out', given: ['removed'], when: activate, then: [activated('out-of-service')] },
  { name: 'Clear while shelved is tracked', given: ['activated', 'shelved'], when: clear, then: [cleared('shelved')] },
  { name: 'Clear while suppressed is tracked', given: ['activated', 'suppressed'], when: clear, then: [cleared('suppressed-by-design')] },
  { name: 'Clear while out of service is tracked', given: ['activated', 'removed'], when: clear, then: [cleared('out-of-service')] },
  // Acknowledge.
  { name: 'Acknowledge while UNACK, with a note, records the note', given: ['activated'], when: ack('bearing temp checked locally'), then: [ev('AlarmAcknowledged', 'active-acknowledged', { by: 'op-cy', note: 'bearing temp checked locally' })] },
  { name: 'Acknowledge while RTNUN returns it to normal; no note is recorded as null', given: ['activated', 'cleared'], when: ack(), then: [ev('AlarmAcknowledged', 'normal', { by: 'op-cy', note: null })] },
  // Shelve.
  { name: 'Shelve while normal', given: [], when: shelve(), then: [shelvedEv('shelved')] },
  { name: 'Shelve while UNACK', given: ['activated'], when: shelve(), then: [shelvedEv('shelved')] },
  { name: 'Shelve while ACKED', given: ['activated', 'acknowledged'], when: shelve(), then: [shelvedEv('shelved')] },
  { name: 'Shelve while RTNUN', given: ['activated', 'cleared'], when: shelve(), then: [shelvedEv('shelved')] },
  { name: 'Shelve for exactly the maximum', given: [], when: shelve(MAX_SHELVE_MS), then: [shelvedEv('shelved', MAX_SHELVE_MS)] },
  { name: 'Shelve while suppressed is kept but suppression names the state', given: ['suppressed'], when: shelve(), then: [shelvedEv('suppressed-by-design')] },
  // Unshelve.
  { name: 'Unshelve with the condition clear → normal', given: ['shelved'], when: unshelve, then: [unshelved('normal')] },
  { name: 'Unshelve with the condition active → UNACK', given: ['activated', 'shelved'], when: unshelve, then: [unshelved('active-unacknowledged')] },
  { name: 'Unshelve of an acknowledged alarm still active → UNACK again', given: ['activated', 'acknowledged', 'shelved'], when: unshelve, then: [unshelved('active-unacknowledged')] },
  { name: 'Unshelve of a RTNUN alarm → normal', given: ['activated', 'cleared', 'shelved'], when: unshelve, then: [unshelved('normal')] },
  { name: 'Unshelve while also suppressed → suppressed', given: ['shelved', 'suppressed'], when: unshelve, then: [unshelved('suppressed-by-design')] },
  { name: 'Unshelve while also out of service → out of service', given: ['shelved', 'removed'], when: unshelve, then: [unshelved('out-of-service')] },
  // Suppress / Unsuppress (process inputs).
  { name: 'Suppress while normal', given: [], when: suppress, then: [suppressed('suppressed-by-design')] },
  { name: 'Suppress while UNACK', given: ['activated'], when: suppress, then: [suppressed('suppressed-by-design')] },
  { name: 'Suppress while shelved', given: ['shelved'], when: suppress, then: [suppressed('suppressed-by-design')] },
  { name: 'Suppress while out of service is tracked under it', given: ['removed'], when: suppress, then: [suppressed('out-of-service')] },
  { name: 'Suppress while suppressed is a no-op', given: ['suppressed'], when: suppress, then: [] },
  { name: 'Unsuppress with the condition clear → normal', given: ['suppressed'], when: unsuppress, then: [unsuppressed('normal')] },
  { name: 'Unsuppress with the condition active → UNACK', given: ['activated', 'acknowledged', 'suppressed'], when: unsuppress, then: [unsuppressed('active-unacknowledged')] },
  { name: 'Unsuppress while also shelved → shelved', given: ['suppressed', 'shelved'], when: unsuppress, then: [unsuppressed('shelved')] },
  { name: 'Unsuppress while not suppressed is a no-op', given: [], when: unsuppress, then: [] },
  // Remove from / return to service.
  { name: 'RemoveFromService while normal', given: [], when: remove(), then: [removedEv('out-of-service')] },
  { name: 'RemoveFromService while UNACK', given: ['activated'], when: remove(), then: [removedEv('out-of-service')] },
  { name: 'RemoveFromService while shelved', given: ['shelved'], when: remove(), then: [removedEv('out-of-service')] },
  { name: 'RemoveFromService while suppressed', given: ['suppressed'], when: remove(), then: [removedEv('out-of-service')] },
  { name: 'ReturnToService with the condition clear → normal', given: ['removed'], when: restore(), then: [restored('normal')] },
  { name: 'ReturnToService with the condition active → UNACK', given: ['activated', 'removed'], when: restore(), then: [restored('active-unacknowledged')] },
  { name: 'ReturnToService while suppressed → suppressed', given: ['removed', 'suppressed'], when: restore(), then: [restored('suppressed-by-design')] },
  { name: 'ReturnToService with a shelve still running → shelved', given: ['shelved', 'removed'], when: restore(), then: [restored('shelved')] },
  // Tick.
  { name: 'Tick before a shelve is due is a no-op', given: ['shelved'], when: { type: 'Tick', atMs: SHELVE_MS - 1 }, then: [] },
  { name: 'Tick with nothing shelved is a no-op', given: ['activated'], when: { type: 'Tick', atMs: T }, then: [] },
];

const refusals: Row[] = [
  { name: 'Acknowledge while normal', given: [], when: ack(), then: [refused('Acknowledge', 'normal', 'op-cy', 'nothing to acknowledge: the alarm is normal')] },
  { name: 'Acknowledge twice', given: ['activated', 'acknowledged'], when: ack(), then: [refused('Acknowledge', 'active-acknowledged', 'op-cy', 'the alarm is already acknowledged')] },
  { name: 'Acknowledge while shelved', given: ['activated', 'shelved'], when: ack(), then: [refused('Acknowledge', 'shelved', 'op-cy', 'the alarm is shelved and not annunciated: unshelve it to acknowledge')] },
  { name: 'Acknowledge while suppressed', given: ['activated', 'suppressed'], when: ack(), then: [refused('Acknowledge', 'suppressed-by-design', 'op-cy', 'the alarm is suppressed by design and not annunciated')] },
  { name: 'Acknowledge while out of service', given: ['activated', 'removed'], when: ack(), then: [refused('Acknowledge', 'out-of-service', 'op-cy', 'the alarm is out of service')] },
  { name: 'Acknowledge by nobody', given: ['activated'], when: ack(undefined, ' '), then: [refused('Acknowledge', 'active-unacknowledged', ' ', 'who acknowledges is required')] },
  { name: 'Shelve while out of service', given: ['removed'], when: shelve(), then: [refused('Shelve', 'out-of-service', 'op-cy', 'the alarm is out of service and cannot be shelved')] },
  { name: 'Shelve while already shelved', given: ['shelved'], when: shelve(), then: [refused('Shelve', 'shelved', 'op-cy', `the alarm is already shelved until ${SHELVE_MS} ms: unshelve it first`)] },
  { name: 'Shelve without a reason', given: ['activated'], when: shelve(SHELVE_MS, ''), then: [refused('Shelve', 'active-unacknowledged', 'op-cy', 'a reason for shelving is required')] },
  { name: 'Shelve by nobody', given: [], when: shelve(SHELVE_MS, 'chattering', ''), then: [refused('Shelve', 'normal', '', 'who shelves is required')] },
  { name: 'Shelve for zero time', given: [], when: shelve(0), then: [refused('Shelve', 'normal', 'op-cy', 'the shelve duration must be a positive number of milliseconds, got 0')] },
  { name: 'Shelve for a negative time', given: [], when: shelve(-5), then: [refused('Shelve', 'normal', 'op-cy', 'the shelve duration must be a positive number of milliseconds, got -5')] },
  { name: 'Shelve for NaN', given: [], when: shelve(Number.NaN), then: [refused('Shelve', 'normal', 'op-cy', 'the shelve duration must be a positive number of milliseconds, got NaN')] },
  { name: 'Shelve past the maximum', given: ['activated'], when: shelve(MAX_SHELVE_MS + 1), then: [refused('Shelve', 'active-unacknowledged', 'op-cy', `a shelve of ${MAX_SHELVE_MS + 1} ms exceeds the maximum of ${MAX_SHELVE_MS} ms`)] },
  { name: 'Unshelve while not shelved', given: ['activated'], when: unshelve, then: [refused('Unshelve', 'active-unacknowledged', 'op-cy', 'the alarm is not shelved')] },
  { name: 'Unshelve by nobody', given: ['shelved'], when: { type: 'Unshelve', atMs: T, by: '' }, then: [refused('Unshelve', 'shelved', '', 'who unshelves is required')] },
  { name: 'RemoveFromService twice', given: ['removed'], when: remove(), then: [refused('RemoveFromService', 'out-of-service', 'eng-di', 'the alarm is already out of service')] },
  { name: 'RemoveFromService without a reason', given: [], when: remove(''), then: [refused('RemoveFromService', 'normal', 'eng-di', 'a reason for removing the alarm from service is required')] },
  { name: 'RemoveFromService by nobody', given: [], when: remove('faulty', ''), then: [refused('RemoveFromService', 'normal', '', 'who removes the alarm from service is required')] },
  { name: 'ReturnToService while in service', given: ['activated'], when: restore(), then: [refused('ReturnToService', 'active-unacknowledged', 'eng-di', 'the alarm is already in service')] },
  { name: 'ReturnToService without a reason', given: ['removed'], when: restore(''), then: [refused('ReturnToService', 'out-of-service', 'eng-di', 'a reason for returning the alarm to service is required')] },
  { name: 'ReturnToService by nobody', given: ['removed'], when: restore('fixed', ''), then: [refused('ReturnToService', 'out-of-service', '', 'who returns the alarm to service is required')] },
];

describe('alarm decider', () => {
  it.each(transitions)('transition: $name', ({ given: facts, when, then }) => {
    expect(decide(when, given(...facts))).toEqual(then);
  });

  it.each(refusals)('refusal: $name', ({ given: facts, when, then }) => {
    const state = given(...facts);
    expect(decide(when, state)).toEqual(then);
    expect(handle(when, state).state).toEqual(state);
  });

  it('given an active shelved alarm, when a Tick reaches the expiry, then ShelveExpired re-annunciates it unacknowledged', () => {
    let state = given('activated', 'acknowledged', 'shelved');
    expect(decide({ type: 'Tick', atMs: 2000 + SHELVE_MS - 1 }, state)).toEqual([]);
    const r = handle({ type: 'Tick', atMs: 2000 + SHELVE_MS }, state);
    expect(r.events).toEqual([ev('ShelveExpired', 'active-unacknowledged', { shelvedBy: 'op-ana', shelveReason: 'chattering', untilMs: 2000 + SHELVE_MS }, 2000 + SHELVE_MS)]);
    state = r.state;
    expect(annunciated(state)).toBe(true);
    expect(state.shelve).toBeNull();
  });

  it('given a due shelve, when any other command arrives first, then the shelve expires before it is decided', () => {
    const late = SHELVE_MS + 5000;
    expect(decide({ ...activate, atMs: late }, given('shelved'))).toEqual([
      ev('ShelveExpired', 'normal', { shelvedBy: 'op-ana', shelveReason: 'chattering', untilMs: SHELVE_MS }, late),
      ev('AlarmActivated', 'active-unacknowledged', { value: 2.5, setpoint: 1 }, late),
    ]);
    expect(decide({ ...unshelve, atMs: late }, given('shelved'))).toEqual([
      ev('ShelveExpired', 'normal', { shelvedBy: 'op-ana', shelveReason: 'chattering', untilMs: SHELVE_MS }, late),
      ev('CommandRefused', 'normal', { command: 'Unshelve', by: 'op-cy', reason: 'the alarm is not shelved' }, late),
    ]);
  });

  it('given an acknowledged active alarm, when the machine stops and restarts with the condition still active, then it needs a new ack', () => {
    let state = given('activated', 'acknowledged');
    state = handle(suppress, state).state;
    expect(alarmStateName(state)).toBe('suppressed-by-design');
    expect(annunciated(state)).toBe(false);
    expect(decide(ack(), state)).toEqual([refused('Acknowledge', 'suppressed-by-design', 'op-cy', 'the alarm is suppressed by design and not annunciated')]);
    const released = handle(unsuppress, state);
    expect(released.events).toEqual([unsuppressed('active-unacknowledged')]);
    expect(released.state.activation).toEqual({ sinceMs: 0, value: 1.4, setpoint: 1 });
  });

  it('given an alarm active then taken out of service, when it clears and returns to service, then it is normal', () => {
    let state = handle(remove(), given('activated')).state;
    expect(annunciated(state)).toBe(false);
    state = handle(clear, state).state;
    const back = handle(restore(), state);
    expect(back.events).toEqual([restored('normal')]);
    expect(alarmStateName(back.state)).toBe('normal');
  });

  it('given RTNUN, when the condition comes back, then it is UNACK and one ack makes it ACKED', () => {
    let state = given('activated', 'cleared');
    state = handle(activate, state).state;
    expect(state.activation).toEqual({ sinceMs: T, value: 2.5, setpoint: 1 });
    const acked = handle(ack('seen'), state);
    expect(alarmStateName(acked.state)).toBe('active-acknowledged');
    expect(decide(ack(), acked.state)).toEqual([refused('Acknowledge', 'active-acknowledged', 'op-cy', 'the alarm is already acknowledged')]);
  });

  it('annunciates exactly UNACK, ACKED and RTNUN; every state has its ISA-18.2 code', () => {
    const cases: Array<[Fact[], AlarmStateName, string, boolean]> = [
      [[], 'normal', 'NORM', false],
      [['activated'], 'active-unacknowledged', 'UNACK', true],
      [['activated', 'acknowledged'], 'active-acknowledged', 'ACKED', true],
      [['activated', 'cleared'], 'returned-unacknowledged', 'RTNUN', true],
      [['activated', 'shelved'], 'shelved', 'SHLVD', false],
      [['activated', 'suppressed'], 'suppressed-by-design', 'DSUPR', false],
      [['activated', 'removed'], 'out-of-service', 'OOSRV', false],
    ];
    expect(cases.map(([facts]) => [alarmStateName(given(...facts)), ISA_STATE_CODE[alarmStateName(given(...facts))], annunciated(given(...facts))])).toEqual(
      cases.map(([, name, code, shown]) => [name, code, shown]),
    );
  });

  it('refuses to build an alarm whose maximum shelve time is not a positive number', () => {
    expect(() => initialAlarmState({ ...config, maxShelveMs: 0 })).toThrow(RangeError);
    expect(() => initialAlarmState({ ...config, maxShelveMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });

  it('never mutates the state it decides on, and replaying the journal rebuilds the state', () => {
    const state = Object.freeze(given('activated', 'shelved'));
    const commands: AlarmCommand[] = [clear, unshelve, activate, ack('ok'), clear, remove(), restore()];
    let s: AlarmState = state;
    const journal: AlarmEvent[] = [];
    for (const c of commands) {
      const r = handle(c, s);
      journal.push(...r.events);
      s = r.state;
    }
    expect(state.activation).not.toBeNull();
    expect(replayAlarm(state, journal)).toEqual(s);
    expect(alarmStateName(s)).toBe('normal');
  });
});

/** A random command, including bad input, with time that only moves forward. */
function randomCommand(rng: Rng, atMs: number): AlarmCommand {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextUint() % xs.length] as T;
  const by = pick(['op-ana', 'eng-bo', '', '  ']);
  const reason = pick(['chattering', 'machine stopped', '']);
  const durationMs = pick([1, 60_000, SHELVE_MS, MAX_SHELVE_MS, MAX_SHELVE_MS + 1, 0, -1, Number.NaN]);
  const note = pick([undefined, 'checked', '']);
  const commands: AlarmCommand[] = [
    { type: 'Activate', atMs, value: rng.next() * 5, setpoint: 1 },
    { type: 'Clear', atMs },
    { type: 'Acknowledge', atMs, by, ...(note === undefined ? {} : { note }) },
    { type: 'Shelve', atMs, by, reason, durationMs },
    { type: 'Unshelve', atMs, by },
    { type: 'Tick', atMs },
    { type: 'Suppress', atMs, by: 'machine-state', reason },
    { type: 'Unsuppress', atMs, by: 'machine-state', reason },
    { type: 'RemoveFromService', atMs, by, reason },
    { type: 'ReturnToService', atMs, by, reason },
  ];
  return pick(commands);
}

describe('alarm decider, seeded random command sequences', () => {
  it.each([1, 2, 3, 42, 1234, 99_991])('seed %i: never throws, every event names the state evolve folds to, no due shelve survives', (seed) => {
    const rng = new Rng(seed);
    const priority = ALARM_PRIORITIES[seed % ALARM_PRIORITIES.length] ?? 'low';
    let state = initialAlarmState({ ...config, priority });
    let atMs = 0;
    const journal: AlarmEvent[] = [];
    const seen = new Set<AlarmStateName>();
    for (let step = 0; step < 2000; step++) {
      atMs += Math.floor(rng.next() * 20 * 60_000);
      const command = randomCommand(rng, atMs);
      const before = alarmStateName(state);
      const events = decide(command, state);
      for (const event of events) {
        const next = evolve(state, event);
        expect(event.stateAfter).toBe(alarmStateName(next));
        expect([event.atMs, event.assetId, event.alarmKey, event.priority]).toEqual([atMs, config.assetId, config.alarmKey, priority]);
        if (event.type === 'CommandRefused') expect(next).toBe(state);
        state = next;
        seen.add(event.stateAfter);
      }
      // Decide's view matches the state: acks are accepted exactly in UNACK and RTNUN (by someone).
      if (command.type === 'Acknowledge' && events.every((e) => e.type !== 'ShelveExpired')) {
        const accepted = events.some((e) => e.type === 'AlarmAcknowledged');
        expect(accepted).toBe(command.by.trim() !== '' && (before === 'active-unacknowledged' || before === 'returned-unacknowledged'));
      }
      expect(state.shelve === null || state.shelve.untilMs > atMs).toBe(true);
      expect(state.shelve === null || state.shelve.untilMs - state.shelve.sinceMs <= MAX_SHELVE_MS).toBe(true);
      expect(state.outOfService !== null && state.shelve !== null && state.shelve.sinceMs > state.outOfService.sinceMs).toBe(false);
      expect(annunciated(state)).toBe(['active-unacknowledged', 'active-acknowledged', 'returned-unacknowledged'].includes(alarmStateName(state)));
      journal.push(...events);
    }
    expect(replayAlarm(initialAlarmState({ ...config, priority }), journal)).toEqual(state);
    expect(seen.size).toBe(7);
  });
});
