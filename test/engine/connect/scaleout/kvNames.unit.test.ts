import { describe, expect, it } from 'vitest';
import { assetKey, escapeId, leaseBucketName, memberKey, parseLeaseBucketKey, tripBucketName, tripKey, unescapeId } from '../../../../engine/connect/scaleout/kvNames';
import { decodeRecord, encodeRecord, LeaseRecordSchema, MemberRecordSchema } from '../../../../engine/connect/scaleout/leaseRecords';

describe('kvNames', () => {
  it('given ids with characters NATS keys cannot carry, then they escape to key tokens and split back to the same ids', () => {
    const ids = ['pump-101', 'pump.101', 'Kühlwasser Pumpe', 'a=b', '泵', 'fan_🌀', '...'];
    const tokens = ids.map(escapeId);
    expect(tokens).toEqual(['pump-101', 'pump=002e101', 'K=00fchlwasser=0020Pumpe', 'a=003db', '=6cf5', 'fan_=d83c=df00', '=002e=002e=002e']);
    for (const t of tokens) expect(t).toMatch(/^[-_=a-zA-Z0-9]+$/);
    expect(tokens.map(unescapeId)).toEqual(ids);
  });

  it('given the keys of the lease bucket, then they parse back to what they address, and foreign keys to null', () => {
    expect([assetKey('pump.101'), memberKey('engine-a'), tripKey('pump.101')]).toEqual(['asset.pump=002e101', 'engine.engine-a', 'trip.pump=002e101']);
    expect([parseLeaseBucketKey(assetKey('pump.101')), parseLeaseBucketKey(memberKey('e.1')), parseLeaseBucketKey('other.x'), parseLeaseBucketKey('asset.a.b'), parseLeaseBucketKey('asset.=zz')]).toEqual([
      { kind: 'asset', assetId: 'pump.101' },
      { kind: 'member', engineId: 'e.1' },
      null,
      null,
      null,
    ]);
  });

  it('given a site, then buckets are named after it; a site no stream name can carry is refused, as are ids no topic can carry', () => {
    expect([leaseBucketName('plant-1'), tripBucketName('plant_1')]).toEqual(['vigil_plant-1_leases', 'vigil_plant_1_trips']);
    expect(() => leaseBucketName('plant.1')).toThrow(/cannot name a NATS bucket/);
    expect(() => assetKey('a/b')).toThrow(/contains \/, \+, # or NUL/);
    expect(() => assetKey('')).toThrow(/is empty/);
  });
});

describe('leaseRecords', () => {
  it('given stored bytes, then a valid record parses back whole, and anything else is null', () => {
    const lease = { engineId: 'e1', token: 'abc.1', acquiredAtMs: 1, renewedAtMs: 2 };
    const member = { engineId: 'e1', instance: 'abc', startedAtMs: 3, plantDigest: 'd' };
    expect([decodeRecord(LeaseRecordSchema, encodeRecord(lease)), decodeRecord(MemberRecordSchema, encodeRecord(member))]).toEqual([lease, member]);
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect([decodeRecord(LeaseRecordSchema, bytes('not json')), decodeRecord(LeaseRecordSchema, bytes('{"engineId":"e1"}')), decodeRecord(LeaseRecordSchema, encodeRecord(member))]).toEqual([null, null, null]);
  });
});
