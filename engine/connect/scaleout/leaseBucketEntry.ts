import type { KvEntry } from 'nats';
import { parseLeaseBucketKey } from './kvNames';
import { decodeRecord, LeaseRecordSchema, MemberRecordSchema, type LeaseRecord, type MemberRecord } from './leaseRecords';
import type { PlantView } from './PlantView';

/**
 * Turns one write seen by the lease bucket's watch into a change of a {@link PlantView}: the one
 * place that decodes the bucket's keys and values and decides when the write was made, shared by
 * engines ({@link AssetLeases}) and read-only consoles ({@link PlantWatcher}) so both see alike.
 */

/** What a write did, for the caller to react to. */
export type AppliedEntry =
  | {
      kind: 'member';
      engineId: string;
      op: KvEntry['operation'];
      record: MemberRecord | null;
      /** It was not live before and is now. */
      joined: boolean;
      seenAtMs: number;
    }
  | {
      kind: 'lease';
      assetId: string;
      op: KvEntry['operation'];
      revision: number;
      record: LeaseRecord | null;
      /** Not a renewal of the live claim: a new holder, a release, or the first sight of it. */
      newHolder: boolean;
      seenAtMs: number;
    };

/**
 * Applies `e` to `view`. `initial`: delivered as a current value by a fresh watch, which may be up
 * to a lease old, so it is aged by the server's timestamp (`wallNowMs` against `e.created`); live
 * updates are not aged, so a server clock skewed from ours cannot make live members look dead.
 * Null for a key this layer does not write, or a replay of an older revision.
 */
export function applyLeaseBucketEntry(view: PlantView, e: KvEntry, initial: boolean, o: { nowMs: number; wallNowMs: number; leaseMs: number }): AppliedEntry | null {
  const k = parseLeaseBucketKey(e.key);
  if (!k) return null;
  const ageMs = initial ? Math.min(o.leaseMs, Math.max(0, o.wallNowMs - e.created.getTime())) : 0;
  const seenAtMs = o.nowMs - ageMs;
  if (k.kind === 'member') {
    const record = e.operation === 'PUT' ? decodeRecord(MemberRecordSchema, e.value) : null;
    const change = view.applyMember(k.engineId, e.operation, e.revision, record, seenAtMs);
    if (change?.kind !== 'member') return null;
    return { kind: 'member', engineId: k.engineId, op: e.operation, record, joined: change.joined, seenAtMs };
  }
  const record = e.operation === 'PUT' ? decodeRecord(LeaseRecordSchema, e.value) : null;
  const before = view.lease(k.assetId, seenAtMs);
  if (!view.applyLease(k.assetId, e.operation, e.revision, record, seenAtMs)) return null;
  const newHolder = !before || e.operation !== 'PUT' || before.record?.token !== record?.token;
  return { kind: 'lease', assetId: k.assetId, op: e.operation, revision: e.revision, record, newHolder, seenAtMs };
}
