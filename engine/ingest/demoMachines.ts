import type { AssetConfig, Bearing } from '../contract';
import { defectMultiples } from '../features/defectMultiples';
import { hashSeed, Rng } from './rng';
import type { FaultEvent, MachineSpec } from './simulator';

/**
 * The demo plant's machines: catalogue-like deep-groove, cylindrical and spherical roller
 * bearings, speeds of 2- and 4-pole motors, one start-up and one variable-speed drive, so the
 * console shows realistic diversity without any recorded data.
 */

/** Sampling rate of every demo accelerometer (a common DAQ rate; Nyquist 6.4 kHz covers 2.5–4 kHz resonances). */
export const DEMO_SAMPLE_RATE_HZ = 12_800;

/** Channel id of the single accelerometer on each demo machine (drive-end bearing housing). */
export const DEMO_CHANNEL_ID = 'de_accel';

function bearing(name: string, rollingElements: number, rollerDiameterMm: number, pitchDiameterMm: number, contactAngleDeg = 0): Bearing {
  const b: Bearing = { name, rollingElements, rollerDiameterMm, pitchDiameterMm, contactAngleDeg };
  // Publish the multiples explicitly so every consumer uses the same BSF convention (impact rate).
  return { ...b, multiples: defectMultiples(b) };
}

const base = {
  sampleRateHz: DEMO_SAMPLE_RATE_HZ,
  dampingRatio: 0.05,
  noiseG: 0.03,
  slip: 0.015,
} as const;

/** The seven demo machines (specs only; faults come from the schedule). */
export const DEMO_MACHINES: readonly MachineSpec[] = [
  {
    ...base,
    assetId: 'pump-101',
    name: 'Cooling water pump P-101',
    bearing: bearing('SKF 6309', 8, 17.462, 72.5),
    speed: { nominalHz: 2970 / 60 },
    harmonicsMmS: [1.2, 0.6, 0.3],
    resonanceHz: 3200,
    impulseG: 3,
    imbalanceMmS: 8,
  },
  {
    ...base,
    assetId: 'pump-102',
    name: 'Process pump P-102',
    bearing: bearing('SKF 6312', 8, 22.225, 95),
    // Healthy, but its drive turns it down to 80 % at 6 min: a new operating regime, not a fault.
    speed: { nominalHz: 1480 / 60, steps: [{ atSec: 360, factor: 0.8, rampSec: 10 }] },
    harmonicsMmS: [1.0, 0.5, 0.25],
    resonanceHz: 2800,
    impulseG: 3,
    imbalanceMmS: 8,
  },
  {
    ...base,
    assetId: 'fan-201',
    name: 'Induced-draft fan F-201',
    bearing: bearing('SKF 22220 E (per row)', 17, 21, 140, 10),
    speed: { nominalHz: 990 / 60 },
    harmonicsMmS: [1.5, 0.4, 0.2],
    resonanceHz: 2600,
    impulseG: 2.5,
    imbalanceMmS: 9,
  },
  {
    ...base,
    assetId: 'comp-301',
    name: 'Air compressor C-301',
    bearing: bearing('SKF NU 214', 16, 14, 97.5),
    speed: { nominalHz: 2975 / 60 },
    harmonicsMmS: [1.1, 0.7, 0.35],
    resonanceHz: 3600,
    impulseG: 3,
    imbalanceMmS: 8,
  },
  {
    ...base,
    assetId: 'gbx-401',
    name: 'Gearbox G-401 input shaft',
    bearing: bearing('SKF 6313', 8, 23.812, 102.5),
    speed: { nominalHz: 1485 / 60 },
    harmonicsMmS: [0.9, 0.45, 0.25],
    resonanceHz: 3900,
    impulseG: 3,
    imbalanceMmS: 8,
    mesh: { teeth: 23, amplitudeG: 0.08 },
  },
  {
    ...base,
    assetId: 'mot-501',
    name: 'Conveyor drive motor M-501 (starts at t = 0)',
    bearing: bearing('SKF 6310', 8, 19.05, 80),
    speed: { nominalHz: 1475 / 60, startupSec: 20 },
    harmonicsMmS: [1.0, 0.5, 0.2],
    resonanceHz: 3000,
    impulseG: 3,
    imbalanceMmS: 8,
  },
  {
    ...base,
    assetId: 'mot-502',
    name: 'Cooling tower fan motor M-502 (VFD)',
    bearing: bearing('SKF 6308', 8, 15.081, 65),
    speed: { nominalHz: 1200 / 60, wander: { depth: 0.08, periodSec: 180 } },
    harmonicsMmS: [1.1, 0.5, 0.25],
    resonanceHz: 2900,
    impulseG: 3,
    imbalanceMmS: 8,
  },
];

/**
 * The demo's fault story, deterministic for a seed (onsets shift by up to ±15 s with the seed):
 * - pump-101: outer-race spall from ~3 min, growing with τ = 60 s (full scale ~4 min later);
 * - fan-201: imbalance from ~5 min, τ = 120 s (velocity alert ~4.5 min later, danger ~1 min after);
 * - comp-301: inner-race spall from ~8 min, τ = 75 s;
 * - gbx-401: ball defect from ~15 min, τ = 90 s;
 * - pump-102, mot-501 (start-up), mot-502 (VFD): healthy throughout.
 */
export function defaultFaultSchedule(seed: number): FaultEvent[] {
  const rng = new Rng(hashSeed(seed, 'fault-schedule'));
  const jitter = (): number => Math.round((rng.next() * 2 - 1) * 15);
  return [
    { assetId: 'pump-101', kind: 'outer_race', onsetSec: 180 + jitter(), growthTauSec: 60, initialSeverity: 0.02, maxSeverity: 1 },
    { assetId: 'fan-201', kind: 'imbalance', onsetSec: 300 + jitter(), growthTauSec: 120, initialSeverity: 0.05, maxSeverity: 1 },
    { assetId: 'comp-301', kind: 'inner_race', onsetSec: 480 + jitter(), growthTauSec: 75, initialSeverity: 0.02, maxSeverity: 1 },
    { assetId: 'gbx-401', kind: 'ball', onsetSec: 900 + jitter(), growthTauSec: 90, initialSeverity: 0.02, maxSeverity: 1 },
  ];
}

/** Samples between windows of every demo channel. */
const DEMO_HOP = 1024;

/** Engine configuration of a demo machine: one accelerometer, API 670 / ISO 20816-style setpoints. */
export function demoAssetConfig(spec: MachineSpec): AssetConfig {
  return {
    assetId: spec.assetId,
    name: spec.name,
    bearing: spec.bearing,
    nominalShaftHz: spec.speed.nominalHz,
    channels: [{ channelId: DEMO_CHANNEL_ID, sampleRateHz: spec.sampleRateHz, windowSize: 4096, hopSize: DEMO_HOP, maxFrameSamples: 16384 }],
    setpoints: {
      score: { alert: 1.0, danger: 3.0, onDelayWindows: 2 },
      velocityMmS: { alert: 4.5, danger: 7.1, onDelayWindows: 2 },
    },
    // A variable-speed machine learns its normal over a whole speed cycle, not one corner of it.
    commissioningWindows: spec.speed.wander ? Math.max(120, Math.ceil((1.1 * spec.speed.wander.periodSec * spec.sampleRateHz) / DEMO_HOP)) : 120,
    // A demo shows the model learning: a promotion every ~5 minutes per machine (a plant default is
    // hourly): non-overlapping 4096-sample windows at 12.8 kHz, 4 in 5 learned, are 2.5 a second.
    learning: { promoteEveryWindows: 750 },
  };
}

/** `n` machines: the seven demo machines, then copies of them under numbered names. */
export function demoMachines(n: number): MachineSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const m = DEMO_MACHINES[i % DEMO_MACHINES.length]!;
    if (i < DEMO_MACHINES.length) return m;
    const copy = Math.floor(i / DEMO_MACHINES.length);
    return { ...m, assetId: `${m.assetId}-${copy}`, name: `${m.name} #${copy + 1}` };
  });
}
