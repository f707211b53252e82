import { describe, expect, it } from 'vitest';
import { OpcuaChannelTable, opcuaChannelKey } from '../../../../engine/connect/opcua/OpcuaChannelTable';

const T0 = 1_000_000;
const speed = opcuaChannelKey('p1', 'speed');
const accel = opcuaChannelKey('p1', 'accel');

function table(): OpcuaChannelTable {
  return new OpcuaChannelTable([
    { assetId: 'p1', channelId: 'speed', nodeId: 'ns=2;s=P1.Speed', kind: 'value' },
    { assetId: 'p1', channelId: 'accel', nodeId: 'ns=2;s=P1.Accel', kind: 'waveform' },
  ], T0);
}

const summary = (t: OpcuaChannelTable) => t.channels().map((c) => ({ ch: c.channelId, last: c.lastValueAtMs, confirmed: c.confirmedAtMs, fault: c.fault && `${c.fault.kind}:${c.fault.code}@${c.fault.sinceMs}` }));

describe('OpcuaChannelTable', () => {
  it('given no data yet, then nothing is stale within the grace period, everything after it', () => {
    const t = table();
    expect(t.stale(T0 + 3000, 3000)).toEqual([]);
    expect(t.stale(T0 + 3001, 3000).map((c) => c.channelId)).toEqual(['speed', 'accel']);
  });

  it('given a value and then keep-alives, then the value channel is confirmed by them and the frame channel is not', () => {
    const t = table();
    t.delivered(speed, 'Good', 'good', T0 + 100);
    t.delivered(accel, 'Good', 'good', T0 + 100);
    t.alive(T0 + 5000);
    expect(summary(t)).toEqual([
      { ch: 'speed', last: T0 + 100, confirmed: T0 + 5000, fault: null },
      { ch: 'accel', last: T0 + 100, confirmed: T0 + 100, fault: null },
    ]);
    expect(t.stale(T0 + 6000, 3000).map((c) => c.channelId)).toEqual(['accel']);
  });

  it('given a Bad notification, then the channel is stale at once, a repeat keeps the start time with the latest detail, and good data clears it', () => {
    const t = table();
    t.delivered(speed, 'Good', 'good', T0 + 100);
    t.failed(speed, 'bad_status', 'BadSensorFailure', 'BadSensorFailure', 'bad', 'first', T0 + 200);
    t.failed(speed, 'bad_status', 'BadSensorFailure', 'BadSensorFailure', 'bad', 'second', T0 + 300);
    t.alive(T0 + 400); // keep-alives do not confirm a Bad value
    expect(t.channels()[0]).toMatchObject({ confirmedAtMs: T0 + 100, lastStatus: 'BadSensorFailure', lastSeverity: 'bad', fault: { kind: 'bad_status', code: 'BadSensorFailure', sinceMs: T0 + 200, detail: 'second' } });
    expect(t.stale(T0 + 400, 60_000).map((c) => c.channelId)).toEqual(['speed']);
    t.delivered(speed, 'UncertainLastUsableValue', 'uncertain', T0 + 500);
    expect(t.channels()[0]).toMatchObject({ lastValueAtMs: T0 + 500, lastStatus: 'UncertainLastUsableValue', lastSeverity: 'uncertain', fault: null });
  });

  it('given a disconnection, then every channel is faulted until the first publish response, which restores a Bad fault it covered', () => {
    const t = table();
    t.delivered(accel, 'Good', 'good', T0 + 100);
    t.failed(speed, 'bad_status', 'BadSensorFailure', 'BadSensorFailure', 'bad', 'dead sensor', T0 + 150);
    t.disconnected(T0 + 200, 'connection to the server lost');
    t.disconnected(T0 + 250, 'again'); // not a new fault
    expect(summary(t).map((c) => c.fault)).toEqual([`disconnected:disconnected@${T0 + 200}`, `disconnected:disconnected@${T0 + 200}`]);
    t.alive(T0 + 900);
    expect(summary(t).map((c) => c.fault)).toEqual([`bad_status:BadSensorFailure@${T0 + 150}`, null]);
  });

  it('given a refused monitored item, then the channel is not_monitored until the server accepts it, with the granted sampling interval; gaps are counted per channel', () => {
    const t = table();
    t.refused(speed, 'BadNodeIdUnknown', 'no such node', T0 + 10);
    t.disconnected(T0 + 20, 'lost'); // a refused item stays refused
    expect(t.channels()[0]).toMatchObject({ samplingIntervalMs: null, fault: { kind: 'not_monitored', code: 'BadNodeIdUnknown', sinceMs: T0 + 10 } });
    t.monitored(speed, 250);
    t.gap(accel);
    t.gap(accel);
    expect(t.channels().map((c) => [c.channelId, c.samplingIntervalMs, c.fault, c.gaps])).toEqual([['speed', 250, null, 0], ['accel', null, { kind: 'disconnected', code: 'disconnected', sinceMs: T0 + 20, detail: 'lost' }, 2]]);
  });

  it('given two nodes for one channel, then it refuses the configuration', () => {
    expect(() => new OpcuaChannelTable([
      { assetId: 'p1', channelId: 'speed', nodeId: 'ns=2;s=A', kind: 'value' },
      { assetId: 'p1', channelId: 'speed', nodeId: 'ns=2;s=B', kind: 'value' },
    ], T0)).toThrow('channel p1/speed is mapped to more than one OPC UA node');
  });
});
