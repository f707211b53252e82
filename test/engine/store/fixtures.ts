import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlarmEvent } from '../../../engine/alarm/alarmTypes';
import type { AssetConfig } from '../../../engine/contract/asset';
import type { AlarmLevelChanged, TripRequested } from '../../../engine/contract/events';
import type { Diagnosis } from '../../../engine/contract/features';
import type { ModelVersionInput } from '../../../engine/store/records';

/** Temp directories for real SQLite files; `cleanup()` removes them all (call it in afterEach). */
export function tempDirs(): { path(name?: string): string; cleanup(): void } {
  const dirs: string[] = [];
  return {
    path(name = 'vigil.sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
      dirs.push(dir);
      return join(dir, name);
    },
    cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** A valid asset configuration (CWRU-like drive-end bearing). */
export function assetConfig(assetId = 'pump-1'): AssetConfig {
  return {
    assetId,
    name: `Pump ${assetId}`,
    bearing: { name: '6205-2RS', rollingElements: 9, rollerDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 },
    nominalShaftHz: 29.95,
    channels: [{ channelId: 'de_accel', sampleRateHz: 12000, windowSize: 4096, hopSize: 2048, maxFrameSamples: 8192 }],
    setpoints: {
      score: { alert: 1, danger: 2, onDelayWindows: 2 },
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 3 },
    },
    commissioningWindows: 64,
  };
}

export const DIAGNOSIS: Diagnosis = {
  fault: 'inner_race',
  confidence: 0.82,
  evidence: [{ feature: 'envelope.bpfi', freqHz: 162.2, value: 0.31, baseline: 0.02, ratio: 15.5 }],
};

/** An alarm-level change at `atMs`. */
export function alarmEvent(atMs: number, assetId = 'pump-1'): AlarmLevelChanged {
  return {
    type: 'AlarmLevelChanged',
    assetId,
    atMs,
    from: 'normal',
    to: 'alert',
    source: 'score',
    value: 1.4,
    setpoint: 1,
    modelVersion: 'm-abc123',
    diagnosis: DIAGNOSIS,
  };
}

/** A trip decided at `decidedAtMs`. */
export function tripEvent(decidedAtMs: number, assetId = 'pump-1'): TripRequested {
  return {
    type: 'TripRequested',
    assetId,
    decidedAtMs,
    commandedAtMs: decidedAtMs + 1.25,
    latencyUs: 1830.5,
    source: 'velocity',
    value: 9.3,
    setpoint: 7.1,
    modelVersion: 'm-abc123',
    diagnosis: DIAGNOSIS,
  };
}

/** Samples that exercise every float32 corner: -0, NaN payloads, subnormals, infinities, extremes. */
export function awkwardSamples(n = 4096): Float32Array {
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.137) * 3.3 + (i % 7) * 1e-3;
  out[0] = -0;
  bits[1] = 0x7fc00001; // quiet NaN with a payload
  bits[2] = 0x7f800001; // signalling NaN
  bits[3] = 0x00000001; // smallest subnormal
  out[4] = Infinity;
  out[5] = -Infinity;
  bits[6] = 0x7f7fffff; // largest finite
  return out;
}

/** Deterministic stand-in ONNX bytes; `seed` varies them so distinct versions have distinct bytes. */
export function fakeOnnx(seed: number, length = 300): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 37 + seed * 11) & 0xff);
}

/** A v2 model version of pump-1's drive-end channel, learned from `parentVersion`. */
export function modelInput(versionId: string, seed: number, overrides: Partial<ModelVersionInput> = {}): ModelVersionInput {
  return {
    versionId,
    assetId: 'pump-1',
    createdMs: 1000 * seed,
    onnx: fakeOnnx(seed),
    params: { layers: [8, 3, 8], weights: [0.5, -0.25, seed] },
    calibration: { p999: 0.7 + seed / 100 },
    windows: 64 * seed,
    promotedBy: null,
    channelId: 'de_accel',
    parentVersion: null,
    precision: 'int8',
    regime: { lowHz: 28, highHz: 31 },
    validation: null,
    ...overrides,
  };
}

/** `windows` feature vectors of `length` values, each window with the float32 corner cases. */
export function featureWindows(windows: number, length: number): Float32Array[] {
  return Array.from({ length: windows }, (_, w) => {
    const v = awkwardSamples(Math.max(length, 7)).slice(0, length);
    for (let i = 7; i < length; i++) v[i] = (v[i] ?? 0) + w;
    return v;
  });
}

/** Same bits, element for element (NaN payloads and -0 included), for bit-exact assertions. */
export function bitsOf(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * One alarm's life as the ISA-18.2 decider journals it, starting at `t0Ms` (one event a second):
 * process events, operator events, design suppression, a shelve expiry and a refusal without actor.
 */
export function journalEvents(t0Ms: number, assetId = 'pump-1', alarmKey = 'score.alert'): AlarmEvent[] {
  const id = { assetId, alarmKey, priority: 'high' } as const;
  const at = (i: number) => t0Ms + i * 1000;
  return [
    { ...id, atMs: at(0), type: 'AlarmActivated', stateAfter: 'active-unacknowledged', value: 1.4, setpoint: 1 },
    { ...id, atMs: at(1), type: 'AlarmAcknowledged', stateAfter: 'active-acknowledged', by: 'op-ana', note: 'checking bearing temp' },
    { ...id, atMs: at(2), type: 'AlarmShelved', stateAfter: 'shelved', by: 'op-ana', reason: 'chattering', durationMs: 500, untilMs: at(2) + 500 },
    { ...id, atMs: at(3), type: 'ShelveExpired', stateAfter: 'active-unacknowledged', shelvedBy: 'op-ana', shelveReason: 'chattering', untilMs: at(2) + 500 },
    { ...id, atMs: at(4), type: 'CommandRefused', stateAfter: 'active-unacknowledged', command: 'Tick', by: null, reason: 'time went backwards' },
    { ...id, atMs: at(5), type: 'AlarmSuppressed', stateAfter: 'suppressed-by-design', by: 'machine-state', reason: 'machine stopped' },
    { ...id, atMs: at(6), type: 'AlarmCleared', stateAfter: 'suppressed-by-design' },
  ];
}
