import sparkplugPayload from 'sparkplug-payload';
import sparkplugProto from 'sparkplug-payload/lib/sparkplugPayloadProto.js';

/**
 * Sparkplug B payload decoding for the source. The raw protobuf message is read directly rather than
 * through sparkplug-payload's `decodePayload`, because that helper needs each metric's datatype in
 * the same message: a spec-conforming DDATA carries only an alias and a value (the datatype was
 * given once, in the birth), and the helper would turn its value into null. sparkplug-payload is
 * CommonJS; its default import is `module.exports` under Node's ESM loader, tsx and vitest alike.
 */

const Payload = sparkplugProto.org.eclipse.tahu.protobuf.Payload;
type RawMetric = sparkplugProto.org.eclipse.tahu.protobuf.Payload.IMetric;
type LongLike = { low: number; high: number; unsigned?: boolean };

/** Sparkplug datatype codes the source interprets (the rest are counted as unexpected types). */
export const SPARKPLUG_DATATYPE = { Int8: 1, Int16: 2, Int32: 3, Int64: 4, UInt8: 5, UInt16: 6, UInt32: 7, UInt64: 8, Float: 9, Double: 10, Boolean: 11, Bytes: 17, FloatArray: 30 } as const;

/** One metric as received: identity (name and/or alias), datatype if the message carried one. */
export interface SparkplugMetric {
  name?: string;
  alias?: number;
  /** Absent in alias-only data messages; the birth's datatype applies then. */
  datatype?: number;
  timestampMs?: number;
  isNull: boolean;
  raw: RawMetric;
}

/** A decoded payload; `seq` is absent in NDEATH (and in anything not from a conforming edge node). */
export interface SparkplugMessage {
  seq?: number;
  timestampMs?: number;
  metrics: SparkplugMetric[];
}

/**
 * A protobuf 64-bit field (a `Long` from protobufjs, or a plain number) as a JS number; null when
 * it cannot be represented exactly enough to be a timestamp, sequence number or alias.
 */
export function longToNumber(v: unknown, signed = false): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'object' || v === null || typeof (v as LongLike).low !== 'number' || typeof (v as LongLike).high !== 'number') return null;
  const { low, high } = v as LongLike;
  const n = (signed ? high : high >>> 0) * 2 ** 32 + (low >>> 0);
  return Number.isSafeInteger(n) ? n : null;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** Decodes a payload; null for anything protobuf refuses, or a seq/timestamp/alias out of range. */
export function decodeSparkplug(bytes: Uint8Array): SparkplugMessage | null {
  let p: InstanceType<typeof Payload>;
  try {
    p = Payload.decode(bytes);
  } catch {
    return null;
  }
  const msg: SparkplugMessage = { metrics: [] };
  if (has(p, 'seq')) {
    const seq = longToNumber(p.seq);
    if (seq === null) return null;
    msg.seq = seq;
  }
  if (has(p, 'timestamp')) {
    const t = longToNumber(p.timestamp);
    if (t === null) return null;
    msg.timestampMs = t;
  }
  for (const m of p.metrics) {
    const out: SparkplugMetric = { isNull: m.isNull === true, raw: m };
    if (typeof m.name === 'string' && m.name.length > 0) out.name = m.name;
    if (has(m, 'alias')) {
      const a = longToNumber(m.alias);
      if (a === null) return null;
      out.alias = a;
    }
    if (typeof m.datatype === 'number' && m.datatype !== 0) out.datatype = m.datatype;
    if (has(m, 'timestamp')) {
      const t = longToNumber(m.timestamp);
      if (t === null) return null;
      out.timestampMs = t;
    }
    msg.metrics.push(out);
  }
  return msg;
}

/** A numeric scalar metric's value as a finite number; null if absent, null-flagged or not numeric. */
export function metricNumber(m: SparkplugMetric, datatype: number): number | null {
  if (m.isNull) return null;
  const r = m.raw;
  let v: number | null = null;
  switch (datatype) {
    case SPARKPLUG_DATATYPE.Int8:
    case SPARKPLUG_DATATYPE.Int16:
    case SPARKPLUG_DATATYPE.Int32:
      v = has(r, 'intValue') && typeof r.intValue === 'number' ? r.intValue | 0 : null;
      break;
    case SPARKPLUG_DATATYPE.UInt8:
    case SPARKPLUG_DATATYPE.UInt16:
      v = has(r, 'intValue') && typeof r.intValue === 'number' ? r.intValue >>> 0 : null;
      break;
    case SPARKPLUG_DATATYPE.Int64:
      v = has(r, 'longValue') ? longToNumber(r.longValue, true) : null;
      break;
    case SPARKPLUG_DATATYPE.UInt32:
    case SPARKPLUG_DATATYPE.UInt64:
      v = has(r, 'longValue') ? longToNumber(r.longValue) : null;
      break;
    case SPARKPLUG_DATATYPE.Float:
      v = has(r, 'floatValue') && typeof r.floatValue === 'number' ? r.floatValue : null;
      break;
    case SPARKPLUG_DATATYPE.Double:
      v = has(r, 'doubleValue') && typeof r.doubleValue === 'number' ? r.doubleValue : null;
      break;
  }
  return v !== null && Number.isFinite(v) ? v : null;
}

/**
 * A waveform metric's samples. The one accepted form: a Bytes (17) or FloatArray (30, Sparkplug 3.0)
 * metric whose bytes are little-endian float32 samples, which is how Sparkplug 3.0 encodes
 * FloatArray. Null if the datatype differs, the byte count is not a positive multiple of 4.
 */
export function metricFloatArray(m: SparkplugMetric, datatype: number): Float32Array | null {
  if (m.isNull || (datatype !== SPARKPLUG_DATATYPE.Bytes && datatype !== SPARKPLUG_DATATYPE.FloatArray)) return null;
  const b = m.raw.bytesValue;
  if (!has(m.raw, 'bytesValue') || !(b instanceof Uint8Array) || b.length === 0 || b.length % 4 !== 0) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

const spB = sparkplugPayload.get('spBv1.0');

/** The NCMD payload that asks an edge node to publish its births again (`Node Control/Rebirth` = true). */
export function encodeRebirthRequest(timestampMs: number): Uint8Array {
  if (!spB) throw new Error('sparkplug-payload does not provide spBv1.0');
  return spB.encodePayload({ timestamp: timestampMs, metrics: [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true, timestamp: timestampMs }] });
}
