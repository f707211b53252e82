import { endianness } from 'node:os';

/**
 * Trip-frame samples and feedback feature vectors are stored as little-endian float32 bytes, the
 * same layout as the shared recordings, so a stored window can be replayed or diffed bit for bit.
 * On a little-endian host (every supported workstation) both directions are a byte copy, which
 * keeps NaN payloads, -0 and subnormals exact; a big-endian host goes through a DataView instead
 * of silently swapping.
 */
const HOST_IS_LE = endianness() === 'LE';

/** Encodes samples as a BLOB value for better-sqlite3 (a Buffer), preserving every bit. */
export function float32ToBlob(samples: Float32Array): Buffer {
  if (HOST_IS_LE) return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.length * 4);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const bits = new Uint32Array(samples.buffer, samples.byteOffset, samples.length);
  for (let i = 0; i < bits.length; i++) view.setUint32(i * 4, bits[i] ?? 0, true);
  return out;
}

/**
 * Decodes a BLOB back into a fresh, aligned Float32Array (the Buffer SQLite hands back may sit at
 * any offset in a shared pool, so it is copied rather than viewed).
 */
export function blobToFloat32(blob: Uint8Array): Float32Array {
  if (blob.byteLength % 4 !== 0) throw new RangeError(`float32 blob has ${blob.byteLength} bytes, not a multiple of 4`);
  const out = new Float32Array(blob.byteLength / 4);
  if (HOST_IS_LE) {
    new Uint8Array(out.buffer).set(blob);
    return out;
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) bits[i] = view.getUint32(i * 4, true);
  return out;
}

/**
 * Packs equal-length vectors (one per window) into one little-endian float32 BLOB, row after row,
 * so an episode's feature vectors are one value with a length SQLite can check. Throws if a vector
 * is not `vectorLength` long: a ragged episode could not be unpacked unambiguously.
 */
export function packFloat32Windows(vectors: readonly Float32Array[], vectorLength: number): Buffer {
  if (!Number.isInteger(vectorLength) || vectorLength < 0) throw new RangeError(`vector length ${vectorLength} is not a non-negative integer`);
  const packed = new Float32Array(vectors.length * vectorLength);
  vectors.forEach((v, i) => {
    if (v.length !== vectorLength) throw new RangeError(`vector ${i} has ${v.length} values, expected ${vectorLength}`);
    packed.set(v, i * vectorLength); // same element type: a byte copy, NaN payloads kept
  });
  return float32ToBlob(packed);
}

/**
 * Inverse of `packFloat32Windows`: one fresh Float32Array per window (independent copies, so a
 * caller may keep or mutate one without touching the others).
 */
export function unpackFloat32Windows(blob: Uint8Array, windows: number, vectorLength: number): Float32Array[] {
  const all = blobToFloat32(blob);
  if (all.length !== windows * vectorLength) {
    throw new RangeError(`float32 blob has ${all.length} values, expected ${windows} windows × ${vectorLength}`);
  }
  return Array.from({ length: windows }, (_, i) => all.slice(i * vectorLength, (i + 1) * vectorLength));
}
