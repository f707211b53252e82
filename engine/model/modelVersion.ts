import { createHash } from 'node:crypto';

/** Prefix that marks a model version id. */
export const MODEL_VERSION_PREFIX = 'm-';

/**
 * Content-addressed model version: `m-` + the first 12 hex digits (48 bits) of SHA-256 of the
 * model bytes. Why content hash: every score, alarm and incident carries the version that
 * produced it, so the same bytes must always get the same id on any machine, and any change
 * to weights, threshold or feature order (all in the bytes) must get a new one. 48 bits keeps
 * ids short in the UI; a collision among one asset's few hundred versions is ~1e-10.
 */
export function modelVersionId(bytes: Uint8Array): string {
  return MODEL_VERSION_PREFIX + createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

/** Whether a string has the shape of a {@link modelVersionId} (for schemas and registry lookups). */
export function isModelVersionId(s: string): boolean {
  return /^m-[0-9a-f]{12}$/.test(s);
}
