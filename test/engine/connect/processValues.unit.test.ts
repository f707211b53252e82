import { describe, expect, it } from 'vitest';
import { ProcessValues } from '../../../engine/connect/ProcessValues';

const v = (channelId: string, atMs: number, value: number) => ({ assetId: 'pump-1', channelId, atMs, value, sourceId: 'plc' });

describe('ProcessValues', () => {
  it('given a fresh speed, then it is the shaft speed; once older than its limit, it is not used but still shown as stale', () => {
    const values = new ProcessValues();
    values.put(v('speed', 1_000, 29.7), 3_000);
    values.put(v('de_temperature', 1_000, 41.5), 3_000);

    expect(values.shaftHz('pump-1', 3_900)).toBe(29.7);
    expect(values.shaftHz('pump-1', 4_001)).toBeUndefined();
    expect(values.view(4_001)).toEqual([
      { ...v('de_temperature', 1_000, 41.5), stale: true },
      { ...v('speed', 1_000, 29.7), stale: true },
    ]);
  });

  it('given an older value after a newer one, a non-finite value, or a stopped drive, then the shaft speed is never taken from them', () => {
    const values = new ProcessValues();
    values.put(v('speed', 2_000, 25), 3_000);
    values.put(v('speed', 1_500, 99), 3_000);
    values.put(v('speed', 2_100, Number.NaN), 3_000);
    expect(values.shaftHz('pump-1', 2_200)).toBe(25);

    values.put(v('speed', 2_300, 0), 3_000);
    expect(values.shaftHz('pump-1', 2_400)).toBeUndefined();
    expect(values.shaftHz('fan-2', 2_400)).toBeUndefined();
  });
});

describe('ProcessValues confirmed by the source', () => {
  it('given an unchanged value the source keeps confirming (OPC UA keep-alives), then it stays fresh; once confirmations stop, it goes stale', () => {
    const values = new ProcessValues();
    values.put({ assetId: 'fan-2', channelId: 'speed', atMs: 1_000, value: 24.75, sourceId: 'daq' }, 3_000);
    values.confirm('fan-2', 'speed', 3_500);
    values.confirm('fan-2', 'speed', 2_000); // an older confirmation changes nothing
    values.confirm('fan-2', 'load', 9_000); // nothing held: nothing to confirm
    expect(values.shaftHz('fan-2', 6_400)).toBe(24.75);
    expect(values.shaftHz('fan-2', 6_600)).toBeUndefined();
    expect(values.view(6_600)).toEqual([{ assetId: 'fan-2', channelId: 'speed', atMs: 1_000, value: 24.75, sourceId: 'daq', stale: true }]);
  });
});
