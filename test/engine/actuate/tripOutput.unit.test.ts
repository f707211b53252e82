import { describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { REMEMBERED_COMMANDS, TripOutputStage } from '../../../engine/actuate/tripOutput';

/** The output stage: each operator stop reaches the actuator once, whoever sends it; protection trips always go. */
describe('TripOutputStage', () => {
  const setup = () => {
    const t = { ms: 1_000 };
    const actuator = new RecordingActuator(() => t.ms);
    return { t, actuator, stage: new TripOutputStage(actuator) };
  };

  it('given the same stop from the host and then the engine thread, when sent twice, then the actuator gets it once and the second answer repeats the first acceptance', () => {
    const { t, actuator, stage } = setup();
    const first = stage.send({ assetId: 'pump-101', decidedAtMs: 1_000, reason: 'operator e-stop by olga: smoke', commandId: 'estop-a' });
    t.ms = 1_030;
    const second = stage.send({ assetId: 'pump-101', decidedAtMs: 1_020, reason: 'operator e-stop by olga: smoke', commandId: 'estop-a' });
    expect(first).toMatchObject({ commandId: 'estop-a', assetId: 'pump-101', actuator: 'builtin-recorder', commandedAtMs: 1_000, duplicate: false });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(actuator.trips().map((x) => [x.assetId, x.commandId, x.commandedAtMs])).toEqual([['pump-101', 'estop-a', 1_000]]);
  });

  it('given one stop of several assets and a protection trip without an id, then each asset gets the stop once and every protection trip goes out', () => {
    const { actuator, stage } = setup();
    for (const assetId of ['pump-101', 'fan-201']) stage.send({ assetId, decidedAtMs: 1, reason: 'stop all', commandId: 'estop-all' });
    stage.send({ assetId: 'fan-201', decidedAtMs: 2, reason: 'stop all', commandId: 'estop-all' });
    stage.send({ assetId: 'fan-201', decidedAtMs: 3, reason: 'score 3.2 ≥ danger 3' });
    const again = stage.send({ assetId: 'fan-201', decidedAtMs: 4, reason: 'score 3.4 ≥ danger 3' });
    expect(again).toMatchObject({ commandId: null, duplicate: false });
    expect(actuator.trips().map((x) => [x.assetId, x.commandId ?? null])).toEqual([
      ['pump-101', 'estop-all'],
      ['fan-201', 'estop-all'],
      ['fan-201', null],
      ['fan-201', null],
    ]);
  });

  it(`given more than ${REMEMBERED_COMMANDS} later stops, then the oldest id is forgotten (the memory is bounded)`, () => {
    const { actuator, stage } = setup();
    stage.send({ assetId: 'pump-101', decidedAtMs: 0, reason: 'first', commandId: 'estop-0' });
    for (let i = 1; i <= REMEMBERED_COMMANDS; i++) stage.send({ assetId: 'pump-101', decidedAtMs: i, reason: 'later', commandId: `estop-${i}` });
    expect(stage.send({ assetId: 'pump-101', decidedAtMs: 0, reason: 'first', commandId: 'estop-0' }).duplicate).toBe(false);
    expect(stage.send({ assetId: 'pump-101', decidedAtMs: 0, reason: 'later', commandId: `estop-${REMEMBERED_COMMANDS}` }).duplicate).toBe(true);
    expect(actuator.trips()).toHaveLength(REMEMBERED_COMMANDS + 2);
  });
});
