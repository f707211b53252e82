import { describe, expect, it } from 'vitest';
import { RecordingActuator, type Actuator, type TripCommand } from '../../../engine/actuate/actuator';
import { FanOutActuator, type PartialFailure } from '../../../engine/actuate/FanOutActuator';

/** An output that takes or refuses commands, and remembers what it took. */
function output(name: string, refuses: string | null = null): Actuator & { took: string[] } {
  const took: string[] = [];
  return {
    name,
    took,
    requestTrip(cmd: TripCommand) {
      if (refuses) throw new Error(refuses);
      took.push(cmd.assetId);
      return { actuator: name, commandedAtMs: 100 + took.length };
    },
  };
}

const trip = (assetId: string): TripCommand => ({ assetId, decidedAtMs: 50, reason: 'velocity 9.0 mm/s ≥ danger 7.1' });

describe('FanOutActuator', () => {
  it('given two outputs for an asset, when it trips, then both get the command, the receipt names both, and the recorder keeps it', () => {
    const mqtt = output('mqtt:broker');
    const relay = output('modbus:plc');
    const recorder = new RecordingActuator(() => 7);
    const fan = new FanOutActuator([{ actuator: mqtt, assets: 'all' }, { actuator: relay, assets: new Set(['pump-1']) }], recorder);

    expect(fan.requestTrip(trip('pump-1'))).toEqual({ actuator: 'mqtt:broker + modbus:plc', commandedAtMs: 101 });
    expect(fan.requestTrip(trip('fan-2'))).toEqual({ actuator: 'mqtt:broker', commandedAtMs: 102 });
    expect([mqtt.took, relay.took]).toEqual([['pump-1', 'fan-2'], ['pump-1']]);
    expect(recorder.trips().map((t) => t.assetId)).toEqual(['pump-1', 'fan-2']);
    expect(fan.name).toBe('mqtt:broker + modbus:plc');
  });

  it('given one output down, when an asset trips, then the other takes it and the partial failure is reported with the reason', () => {
    const failures: PartialFailure[] = [];
    const fan = new FanOutActuator([{ actuator: output('mqtt:broker', 'mqtt:broker: not connected'), assets: 'all' }, { actuator: output('modbus:plc'), assets: 'all' }], new RecordingActuator(() => 7), (f) => failures.push(f));

    expect(fan.requestTrip(trip('pump-1')).actuator).toBe('modbus:plc');
    expect(failures).toEqual([{ cmd: trip('pump-1'), accepted: ['modbus:plc'], failed: ['mqtt:broker: not connected'] }]);
  });

  it('given every output down, when an asset trips, then it throws with each reason and nothing is recorded as commanded', () => {
    const recorder = new RecordingActuator(() => 7);
    const fan = new FanOutActuator([{ actuator: output('mqtt:broker', 'broker away'), assets: 'all' }, { actuator: output('modbus:plc', 'modbus:plc: refused'), assets: 'all' }], recorder);

    expect(() => fan.requestTrip(trip('pump-1'))).toThrow('no trip output took the command for pump-1: mqtt:broker: broker away; modbus:plc: refused');
    expect(recorder.trips()).toEqual([]);
  });

  it('given a monitoring-only plant (no outputs), when an asset trips, then the command is recorded and the receipt says nothing was sent', () => {
    const recorder = new RecordingActuator(() => 7);
    const fan = new FanOutActuator([], recorder);

    expect(fan.requestTrip(trip('pump-1'))).toEqual({ actuator: 'none (monitoring only: no trip output for this asset)', commandedAtMs: 7 });
    expect(recorder.trips().map((t) => t.assetId)).toEqual(['pump-1']);
    expect(fan.name).toBe('none (monitoring only)');
  });
});
