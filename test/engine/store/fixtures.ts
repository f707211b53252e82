import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssetConfig } from '../../../engine/contract/asset';
import type { AlarmLevelChanged, TripRequested } from '../../../engine/contract/events';
import type { Diagnosis } from '../../../engine/contract/features';

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
