/**
 * The binary payload of a waveform frame on `vigil/v1/<site>/<asset>/<channel>/wave`. Little
 * endian, a 32-byte header then the samples, so a 10 ms frame at 25.6 kHz (256 samples) is
 * 1 056 bytes instead of ~4 kB of JSON, and decoding is one copy:
 *
 * | offset | size | field                                                         |
 * |-------:|-----:|---------------------------------------------------------------|
 * |      0 |    4 | magic `VGF1`                                                  |
 * |      4 |    1 | version, 1                                                    |
 * |      5 |    1 | flags: bit 0 = `shaftHz` present                              |
 * |      6 |    2 | reserved, 0                                                   |
 * |      8 |    4 | sequence number, uint32, +1 per frame of the channel (wraps)  |
 * |     12 |    8 | start time of the first sample, epoch ms, float64             |
 * |     20 |    4 | sampling rate in Hz, float32                                  |
 * |     24 |    4 | sample count n, uint32                                        |
 * |     28 |    4 | shaft speed in Hz, float32 (meaningful when flag bit 0 is set) |
 * |     32 |  4·n | samples, float32                                              |
 *
 * The codec checks structure only (magic, version, lengths, finite header fields); what the
 * samples say (non-finite values, a changed rate, time going backwards) is ingest's to judge, so
 * every rejection is counted in one place for one reason.
 */

export const FRAME_MAGIC = 0x31464756; // 'VGF1' read as little-endian uint32
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 32;
/** Most samples one payload may carry (1 s at 65.5 kHz); a larger count is refused before any copy. */
export const MAX_FRAME_SAMPLES = 65_536;

/** A decoded frame payload; the topic says whose it is. */
export interface WavePayload {
  seq: number;
  startMs: number;
  sampleRateHz: number;
  samples: Float32Array;
  shaftHz?: number;
}

/** Why a payload is not a frame: each is counted under its name. */
export const PAYLOAD_PROBLEMS = ['too_short', 'bad_magic', 'bad_version', 'bad_header', 'length_mismatch', 'too_many_samples'] as const;
export type PayloadProblem = (typeof PAYLOAD_PROBLEMS)[number];

export type DecodedWave = { ok: true; wave: WavePayload } | { ok: false; problem: PayloadProblem; detail: string };

/** Encodes one frame (publishers, the benchmark and tests use this; so can a plant's gateway). */
export function encodeWave(w: WavePayload): Buffer {
  const n = w.samples.length;
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4 * n);
  buf.writeUInt32LE(FRAME_MAGIC, 0);
  buf.writeUInt8(FRAME_VERSION, 4);
  buf.writeUInt8(w.shaftHz === undefined ? 0 : 1, 5);
  buf.writeUInt16LE(0, 6);
  buf.writeUInt32LE(w.seq >>> 0, 8);
  buf.writeDoubleLE(w.startMs, 12);
  buf.writeFloatLE(w.sampleRateHz, 20);
  buf.writeUInt32LE(n, 24);
  buf.writeFloatLE(w.shaftHz ?? 0, 28);
  Buffer.from(w.samples.buffer, w.samples.byteOffset, 4 * n).copy(buf, FRAME_HEADER_BYTES);
  return buf;
}

/** Decodes a payload; never throws. The samples are copied into an aligned array of their own. */
export function decodeWave(buf: Uint8Array): DecodedWave {
  if (buf.byteLength < FRAME_HEADER_BYTES) return { ok: false, problem: 'too_short', detail: `${buf.byteLength} bytes, the header alone is ${FRAME_HEADER_BYTES}` };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC) return { ok: false, problem: 'bad_magic', detail: 'the payload does not start with VGF1' };
  const version = view.getUint8(4);
  if (version !== FRAME_VERSION) return { ok: false, problem: 'bad_version', detail: `version ${version}; this engine reads ${FRAME_VERSION}` };
  const flags = view.getUint8(5);
  const seq = view.getUint32(8, true);
  const startMs = view.getFloat64(12, true);
  const sampleRateHz = view.getFloat32(20, true);
  const n = view.getUint32(24, true);
  const shaftHz = view.getFloat32(28, true);
  if (!Number.isFinite(startMs) || !Number.isFinite(sampleRateHz) || sampleRateHz <= 0) return { ok: false, problem: 'bad_header', detail: `start ${startMs} ms, rate ${sampleRateHz} Hz` };
  if ((flags & 1) === 1 && !(Number.isFinite(shaftHz) && shaftHz > 0)) return { ok: false, problem: 'bad_header', detail: `shaft speed ${shaftHz} Hz` };
  if (n > MAX_FRAME_SAMPLES) return { ok: false, problem: 'too_many_samples', detail: `${n} samples, at most ${MAX_FRAME_SAMPLES}` };
  if (buf.byteLength !== FRAME_HEADER_BYTES + 4 * n) return { ok: false, problem: 'length_mismatch', detail: `header says ${n} samples (${FRAME_HEADER_BYTES + 4 * n} bytes), payload has ${buf.byteLength}` };
  const samples = new Float32Array(n);
  new Uint8Array(samples.buffer).set(buf.subarray(FRAME_HEADER_BYTES));
  return { ok: true, wave: { seq, startMs, sampleRateHz, samples, ...((flags & 1) === 1 ? { shaftHz } : {}) } };
}
