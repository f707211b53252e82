import type { DataValue } from 'node-opcua';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOpcuaValue, decodeOpcuaWaveform, opcuaTimestamp } from '../../../../engine/connect/opcua/decodeOpcuaSample';
import { loadNodeOpcua, type NodeOpcua } from '../../../../engine/connect/opcua/nodeOpcua';

const NOW = 1_750_000_000_000;
const SRC = 1_749_999_999_000;
const good = { severity: 'good', name: 'Good', overflow: false };

describe('decodeOpcuaSample', () => {
  let opcua: NodeOpcua;
  beforeAll(async () => {
    opcua = await loadNodeOpcua();
  });

  /** A real node-opcua DataValue. */
  function dv(o: { dataType: keyof NodeOpcua['DataType']; value: unknown; array?: 'Array' | 'Matrix'; status?: 'Good' | 'UncertainLastUsableValue' | 'BadSensorFailure' | 'BadCommunicationError'; sourceMs?: number | null; sourcePs?: number; serverMs?: number | null; dimensions?: number[] }): DataValue {
    return new opcua.DataValue({
      value: new opcua.Variant({ dataType: opcua.DataType[o.dataType], arrayType: o.array ? opcua.VariantArrayType[o.array] : opcua.VariantArrayType.Scalar, value: o.value, ...(o.dimensions ? { dimensions: o.dimensions } : {}) }),
      statusCode: opcua.StatusCodes[o.status ?? 'Good'],
      sourceTimestamp: o.sourceMs === null ? null : new Date(o.sourceMs ?? SRC),
      sourcePicoseconds: o.sourcePs ?? 0,
      serverTimestamp: o.serverMs == null ? null : new Date(o.serverMs),
    });
  }

  it('stamps with the source time (sub-millisecond from its picoseconds), else the server time, else the clock', () => {
    expect(opcuaTimestamp(dv({ dataType: 'Double', value: 1, sourcePs: 250_000_000, serverMs: SRC + 5 }), NOW)).toEqual({ atMs: SRC + 0.25, stampedBy: 'source' });
    expect(opcuaTimestamp(dv({ dataType: 'Double', value: 1, sourceMs: null, serverMs: SRC + 5 }), NOW)).toEqual({ atMs: SRC + 5, stampedBy: 'server' });
    expect(opcuaTimestamp(dv({ dataType: 'Double', value: 1, sourceMs: null }), NOW)).toEqual({ atMs: NOW, stampedBy: 'clock' });
    // OPC UA's "no time" (1601-01-01) is no time.
    expect(opcuaTimestamp(dv({ dataType: 'Double', value: 1, sourceMs: Date.UTC(1601, 0, 1) }), NOW)).toEqual({ atMs: NOW, stampedBy: 'clock' });
  });

  it('reads every numeric scalar type as a value, 64-bit integers included, and refuses Boolean, text and arrays', () => {
    const ok = (d: DataValue) => {
      const r = decodeOpcuaValue(d, NOW);
      return r.ok ? r.data : r.problem;
    };
    expect([
      ok(dv({ dataType: 'Double', value: 24.75 })),
      ok(dv({ dataType: 'Float', value: 0.5 })),
      ok(dv({ dataType: 'Int16', value: -300 })),
      ok(dv({ dataType: 'UInt32', value: 4_000_000_000 })),
      ok(dv({ dataType: 'Int64', value: [0xffff_ffff, 0xffff_fffe] })),
      ok(dv({ dataType: 'UInt64', value: [1, 5] })),
      ok(dv({ dataType: 'Boolean', value: true })),
      ok(dv({ dataType: 'String', value: '24.7' })),
      ok(dv({ dataType: 'Double', value: [1, 2], array: 'Array' })),
      ok(dv({ dataType: 'Null', value: null })),
    ]).toEqual([24.75, 0.5, -300, 4_000_000_000, -2, 0x1_0000_0005, 'not_numeric', 'not_numeric', 'not_numeric', 'not_numeric']);
    expect(decodeOpcuaValue(dv({ dataType: 'Boolean', value: true }), NOW)).toEqual({ ok: false, status: good, problem: 'not_numeric', detail: 'expected a numeric scalar, got Boolean' });
    expect(decodeOpcuaValue(dv({ dataType: 'Double', value: [1, 2], array: 'Array' }), NOW)).toMatchObject({ detail: 'expected a numeric scalar, got Double array' });
  });

  it('refuses NaN and Infinity values and Bad statuses, whatever the value field holds, and keeps Uncertain ones', () => {
    expect(decodeOpcuaValue(dv({ dataType: 'Double', value: Number.NaN }), NOW)).toEqual({ ok: false, status: good, problem: 'non_finite', detail: 'value NaN' });
    expect(decodeOpcuaValue(dv({ dataType: 'Float', value: Number.NEGATIVE_INFINITY }), NOW)).toMatchObject({ ok: false, problem: 'non_finite' });
    expect(decodeOpcuaValue(dv({ dataType: 'Double', value: 24.5, status: 'BadSensorFailure' }), NOW)).toEqual({ ok: false, status: { severity: 'bad', name: 'BadSensorFailure', overflow: false }, problem: 'bad_status', detail: 'status BadSensorFailure' });
    expect(decodeOpcuaValue(dv({ dataType: 'Double', value: 24.5, status: 'UncertainLastUsableValue' }), NOW)).toEqual({ ok: true, status: { severity: 'uncertain', name: 'UncertainLastUsableValue', overflow: false }, atMs: SRC, stampedBy: 'source', data: 24.5 });
  });

  it('reads Float and Double arrays as a fresh float32 block starting at the source time, or one block earlier when stamped at its end', () => {
    const f32 = Float32Array.from([0.25, -0.5, 1]);
    const d = dv({ dataType: 'Float', value: f32, array: 'Array' });
    const r = decodeOpcuaWaveform(d, NOW, { sampleRateHz: 1000 });
    expect(r).toEqual({ ok: true, status: good, atMs: SRC, stampedBy: 'source', data: f32 });
    expect(r.ok && r.data).not.toBe(d.value.value); // a copy: the sink owns it
    expect(decodeOpcuaWaveform(dv({ dataType: 'Double', value: [0.1, 0.2, 0.3], array: 'Array' }), NOW, { sampleRateHz: 1000, timestampMarks: 'end' })).toEqual({ ok: true, status: good, atMs: SRC - 2, stampedBy: 'source', data: Float32Array.from([0.1, 0.2, 0.3]) });
  });

  it('refuses blocks of the wrong type, shape or length, and any non-finite sample, including a double beyond float32', () => {
    const refuse = (d: DataValue, samplesPerFrame?: number) => {
      const r = decodeOpcuaWaveform(d, NOW, { sampleRateHz: 1000, ...(samplesPerFrame ? { samplesPerFrame } : {}) });
      return r.ok ? 'delivered' : `${r.problem}: ${r.detail}`;
    };
    expect([
      refuse(dv({ dataType: 'Double', value: 1 })),
      refuse(dv({ dataType: 'Int16', value: [1, 2], array: 'Array' })),
      refuse(dv({ dataType: 'Float', value: [1, 2, 3, 4], array: 'Matrix', dimensions: [2, 2] })),
      refuse(dv({ dataType: 'Float', value: [], array: 'Array' })),
      refuse(dv({ dataType: 'Float', value: [1, 2, 3], array: 'Array' }), 4),
      refuse(dv({ dataType: 'Float', value: [1, Number.NaN, 3], array: 'Array' })),
      refuse(dv({ dataType: 'Double', value: [1, 2, 1e39], array: 'Array' })),
      refuse(dv({ dataType: 'Float', value: [1, 2, 3, 4], array: 'Array', status: 'BadCommunicationError' }), 4),
    ]).toEqual([
      'not_waveform: expected a Float or Double array, got Double',
      'not_waveform: expected a Float or Double array, got Int16 array',
      'not_waveform: expected a Float or Double array, got Float matrix',
      'wrong_length: 0 samples',
      'wrong_length: 3 samples, expected 4',
      'non_finite: sample 1 is NaN',
      'non_finite: sample 2 is Infinity',
      'bad_status: status BadCommunicationError',
    ]);
  });
});
