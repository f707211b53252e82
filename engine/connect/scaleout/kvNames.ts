/**
 * Names in the scale-out layer's NATS key-value buckets. One place decides them so every engine
 * of a site, and every console that only watches, reads and writes the same keys.
 *
 * - Bucket `vigil_<site>_leases`: `asset.<assetId>` holds an asset's lease, `engine.<engineId>`
 *   an engine's membership.
 * - Bucket `vigil_<site>_trips`: `trip.<assetId>` holds the trip that latched the asset.
 *
 * NATS keys allow only `[-/_=.a-zA-Z0-9]` with `.` separating tokens, while Vigil's ids may hold
 * any character an MQTT topic level can (see `mqtt/topics.ts`). Ids are therefore escaped: every
 * character outside `[-_a-zA-Z0-9]` becomes `=XXXX` (its UTF-16 code unit, four hex digits), so
 * `pump.101` is stored as `asset.pump=002e101` and splits back to the same id, always. Site ids
 * become part of a bucket (stream) name, which NATS limits further, so a site must already be
 * `[-_a-zA-Z0-9]`.
 */

import { idProblem } from '../mqtt/topics';

const ASSET_PREFIX = 'asset.';
const MEMBER_PREFIX = 'engine.';
const TRIP_PREFIX = 'trip.';
const SAFE = /^[-_a-zA-Z0-9]$/;
const SITE = /^[-_a-zA-Z0-9]{1,64}$/;

/** Throws unless `site` can name a bucket: NATS stream names are `[-_a-zA-Z0-9]`, 64 at most here. */
function checkSite(site: string): string {
  if (!SITE.test(site)) throw new Error(`site ${JSON.stringify(site)} cannot name a NATS bucket: use 1 to 64 of [-_a-zA-Z0-9]`);
  return site;
}

/** The bucket of a site's asset leases and engine memberships. */
export function leaseBucketName(site: string): string {
  return `vigil_${checkSite(site)}_leases`;
}

/** The bucket of a site's latched trips (no TTL: a latch outlives every engine). */
export function tripBucketName(site: string): string {
  return `vigil_${checkSite(site)}_trips`;
}

/** Escapes an id into one NATS key token; reversible by {@link unescapeId}. Throws for an id no topic could carry. */
export function escapeId(id: string): string {
  const p = idProblem(id);
  if (p) throw new Error(`id ${JSON.stringify(id)} ${p}`);
  let out = '';
  for (const ch of id) {
    if (SAFE.test(ch)) out += ch;
    else for (let i = 0; i < ch.length; i++) out += `=${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** The id an {@link escapeId} token came from, or null for a token it could not have written. */
export function unescapeId(token: string): string | null {
  if (!/^(?:[-_a-zA-Z0-9]|=[0-9a-f]{4})+$/.test(token)) return null;
  return token.replace(/=([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** `asset.<escaped assetId>`: the key of an asset's lease. */
export function assetKey(assetId: string): string {
  return ASSET_PREFIX + escapeId(assetId);
}

/** `engine.<escaped engineId>`: the key of an engine's membership. */
export function memberKey(engineId: string): string {
  return MEMBER_PREFIX + escapeId(engineId);
}

/** `trip.<escaped assetId>`: the key of an asset's latched trip. */
export function tripKey(assetId: string): string {
  return TRIP_PREFIX + escapeId(assetId);
}

/** The asset of a trip bucket key, or null for a key this layer does not write. */
export function parseTripKey(key: string): string | null {
  return key.startsWith(TRIP_PREFIX) ? unescapeId(key.slice(TRIP_PREFIX.length)) : null;
}

/** What a key of the lease bucket addresses, or null for a key this layer does not write. */
export function parseLeaseBucketKey(key: string): { kind: 'asset'; assetId: string } | { kind: 'member'; engineId: string } | null {
  if (key.startsWith(ASSET_PREFIX)) {
    const assetId = unescapeId(key.slice(ASSET_PREFIX.length));
    return assetId === null ? null : { kind: 'asset', assetId };
  }
  if (key.startsWith(MEMBER_PREFIX)) {
    const engineId = unescapeId(key.slice(MEMBER_PREFIX.length));
    return engineId === null ? null : { kind: 'member', engineId };
  }
  return null;
}
