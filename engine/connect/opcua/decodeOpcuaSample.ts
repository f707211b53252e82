import type { DataValue } from 'node-opcua';
import { opcuaStatus, type OpcuaStatus } from './opcuaStatus';

/**
 * Why the OPC UA source refused a notification whose status was Good or Uncertain (Bad statuses
 * are counted apart, by status name). None of these is ever delivered:
 *
 * - `not_numeric`: a value node sent something other than a numeric scalar (text, Boolean, an array, nothing);
 * - `not_waveform`: a waveform node sent something other than a one-dimensional Float or Double array;
 * - `wrong_length`: a waveform block was empty, or not the configured `samplesPerFrame` long;
 * - `non_finite`: NaN or ±Infinity in a value or in any sample (a float fault word, a dead ADC);
 * - `sink_error`: the sink threw while taking it (a bug downstream; counted, the source goes on).
 */
export const OPCUA_SOURCE_REJECTS = ['not_numeric', 'not_waveform', 'wrong_length', 'non_finite', 'sink_error'] as const;
/** One of `OPCUA_SOURCE_REJECTS`. */
export type OpcuaSourceReject = (typeof OPCUA_SOURCE_REJECTS)[number];

/** Which clock stamped a delivered notification: the device's, the server's, or (neither sent) ours. */
export type OpcuaStampedBy = 'source' | 'server' | 'clock';

/** A notification turned into data (`ok`), or the reason it was not. */
export type OpcuaDecoded<T> =
  | { ok: true; status: OpcuaStatus; atMs: number; stampedBy: OpcuaStampedBy; data: T }
  | { ok: false; status: OpcuaStatus; problem: 'bad_status' | Exclude<OpcuaSourceReject, 'sink_error'>; detail: string };

/** How a waveform node's arrays are read as frames; from the plant config's waveform node. */
export interface OpcuaWaveformShape {
  sampleRateHz: number;
  /** Exact samples per block; absent: any non-empty length. A block of another length is refused, not resampled. */
  samplesPerFrame?: number;
  /**
   * What the block's timestamp marks: `start` (default), the first sample, as Vigil's frames do;
   * or `end`, the last sample, for devices that stamp a block when its acquisition completes.
   */
  timestampMarks?: 'start' | 'end';
}

/** OPC UA built-in type ids (Part 6, 5.1.2) and Variant array kinds that the source reads. */
const BOOLEAN = 1;
const INT64 = 8;
const UINT64 = 9;
const FLOAT = 10;
const DOUBLE = 11;
const SCALAR = 0;
const ARRAY = 1;
const PICOSECONDS_PER_MS = 1e9;
/** DateTime 0 (1601-01-01), which OPC UA uses for "no timestamp"; node-opcua decodes an absent one as null. */
const OPCUA_MIN_DATE_MS = Date.UTC(1601, 0, 1);

/**
 * The time of a notification: its source timestamp (the device's clock, when the value was
 * measured), else the server's (when the server last saw it), else `nowMs`. Sub-millisecond
 * precision is kept from the picoseconds field, so a 25.6 kHz block's start is not rounded.
 */
export function opcuaTimestamp(dv: DataValue, nowMs: number): { atMs: number; stampedBy: OpcuaStampedBy } {
  const source = usableMs(dv.sourceTimestamp, dv.sourcePicoseconds);
  if (source !== null) return { atMs: source, stampedBy: 'source' };
  const server = usableMs(dv.serverTimestamp, dv.serverPicoseconds);
  if (server !== null) return { atMs: server, stampedBy: 'server' };
  return { atMs: nowMs, stampedBy: 'clock' };
}

function usableMs(d: Date | null | undefined, picoseconds: number | undefined): number | null {
  if (!d) return null;
  const ms = d.getTime();
  if (!Number.isFinite(ms) || ms <= OPCUA_MIN_DATE_MS) return null;
  return ms + (picoseconds ?? 0) / PICOSECONDS_PER_MS;
}

/** node-opcua's 64-bit integers are [high, low] pairs of unsigned 32-bit words. */
function int64(v: unknown, signed: boolean): number | null {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number') return null;
  const high = signed && v[0] >= 0x8000_0000 ? v[0] - 0x1_0000_0000 : v[0];
  return high * 0x1_0000_0000 + v[1];
}

function statusFirst<T>(dv: DataValue): OpcuaDecoded<T> | OpcuaStatus {
  const status = opcuaStatus(dv.statusCode);
  if (status.severity === 'bad') return { ok: false, status, problem: 'bad_status', detail: `status ${status.name}` };
  return status;
}

/**
 * A value node's notification as a slow value. Bad status → refused as `bad_status` (the value
 * field of a Bad notification means nothing); any numeric scalar type is accepted (64-bit
 * integers as the nearest double); Boolean is refused: a value channel carries a measurement.
 */
export function decodeOpcuaValue(dv: DataValue, nowMs: number): OpcuaDecoded<number> {
  const s = statusFirst<number>(dv);
  if ('ok' in s) return s;
  const { dataType, arrayType, value } = dv.value;
  let x: number | null = null;
  if (arrayType === SCALAR && dataType > BOOLEAN && dataType <= DOUBLE) {
    x = dataType === INT64 || dataType === UINT64 ? int64(value, dataType === INT64) : typeof value === 'number' ? value : null;
  }
  if (x === null) return { ok: false, status: s, problem: 'not_numeric', detail: `expected a numeric scalar, got ${describeVariant(dataType, arrayType)}` };
  if (!Number.isFinite(x)) return { ok: false, status: s, problem: 'non_finite', detail: `value ${x}` };
  return { ok: true, status: s, ...opcuaTimestamp(dv, nowMs), data: x };
}

/**
 * A waveform node's notification as a block of samples (a fresh Float32Array the caller owns)
 * and the time of its first sample. Float arrays are copied as they are; Double arrays are
 * narrowed to float32, and a sample beyond float32's range becomes Infinity and is refused.
 */
export function decodeOpcuaWaveform(dv: DataValue, nowMs: number, shape: OpcuaWaveformShape): OpcuaDecoded<Float32Array> {
  const s = statusFirst<Float32Array>(dv);
  if ('ok' in s) return s;
  const { dataType, arrayType, value } = dv.value;
  const isArray = arrayType === ARRAY && (dataType === FLOAT || dataType === DOUBLE) && (value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value));
  if (!isArray) return { ok: false, status: s, problem: 'not_waveform', detail: `expected a Float or Double array, got ${describeVariant(dataType, arrayType)}` };
  const src = value as ArrayLike<unknown>;
  const n = src.length;
  if (n === 0 || (shape.samplesPerFrame !== undefined && n !== shape.samplesPerFrame)) {
    return { ok: false, status: s, problem: 'wrong_length', detail: `${n} samples${shape.samplesPerFrame === undefined ? '' : `, expected ${shape.samplesPerFrame}`}` };
  }
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = src[i];
    samples[i] = typeof x === 'number' ? x : Number.NaN;
    if (!Number.isFinite(samples[i]!)) return { ok: false, status: s, problem: 'non_finite', detail: `sample ${i} is ${typeof x === 'number' ? samples[i] : typeof x}` };
  }
  const t = opcuaTimestamp(dv, nowMs);
  const atMs = shape.timestampMarks === 'end' ? t.atMs - ((n - 1) * 1000) / shape.sampleRateHz : t.atMs;
  return { ok: true, status: s, atMs, stampedBy: t.stampedBy, data: samples };
}

const TYPE_NAMES = ['Null', 'Boolean', 'SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Float', 'Double', 'String', 'DateTime', 'Guid', 'ByteString'];

function describeVariant(dataType: number, arrayType: number): string {
  const type = TYPE_NAMES[dataType] ?? `type ${dataType}`;
  return arrayType === SCALAR ? type : arrayType === ARRAY ? `${type} array` : `${type} matrix`;
}
