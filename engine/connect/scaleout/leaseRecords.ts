import { z } from 'zod';

/**
 * The values stored in the lease bucket. They cross the network from other engines (and whatever
 * else can write the bucket), so every value read is parsed with its schema; a value that does
 * not parse is treated as if the key were absent for membership and as "held by nobody we know"
 * for an asset, and counted by the caller.
 */

/** An asset's lease: who holds it, which claim of theirs it is, and since when. */
export interface LeaseRecord {
  /** The holding engine. */
  engineId: string;
  /**
   * Unique per claim: `<instance>.<n>`, where the instance is random per process. Lets an engine
   * recognise a write of its own that landed after it gave up waiting (an orphan) and remove it,
   * and tells a renewal of the current claim apart from someone else's claim.
   */
  token: string;
  /** When the holder acquired it, on the holder's clock (epoch ms). */
  acquiredAtMs: number;
  /** When the holder sent this renewal (or the claim), on its clock. */
  renewedAtMs: number;
}

/** An engine's membership: renewed every renew period, gone one lease time after it stops. */
export interface MemberRecord {
  engineId: string;
  /** Random per process: two processes configured with one engine id show as two instances. */
  instance: string;
  /** When this process started its membership, on its clock (epoch ms). */
  startedAtMs: number;
  /**
   * A digest of the asset ids it was configured with. Engines assign assets among themselves from
   * their own lists, so two engines with different lists would leave some assets to nobody; a
   * differing digest is reported rather than silently tolerated.
   */
  plantDigest: string;
}

const id = z.string().min(1).max(128);
const ms = z.number().finite();

/** Schema for {@link LeaseRecord} values read from the bucket. */
export const LeaseRecordSchema = z.object({ engineId: id, token: z.string().min(1).max(128), acquiredAtMs: ms, renewedAtMs: ms });

/** Schema for {@link MemberRecord} values read from the bucket. */
export const MemberRecordSchema = z.object({ engineId: id, instance: z.string().min(1).max(128), startedAtMs: ms, plantDigest: z.string().max(64) });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON bytes of a record, as stored. */
export function encodeRecord(r: LeaseRecord | MemberRecord): Uint8Array {
  return encoder.encode(JSON.stringify(r));
}

/** Parses stored bytes with `schema`; null when they are not JSON or do not match. */
export function decodeRecord<T>(schema: z.ZodType<T>, bytes: Uint8Array): T | null {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  const r = schema.safeParse(json);
  return r.success ? r.data : null;
}
