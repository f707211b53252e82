import type { Bearing } from '../contract';
import { G_M_S2 } from '../features/AmplitudeSpectrum';
import { defectMultiples, type DefectMultiples } from '../features/defectMultiples';
import { hashSeed, Rng } from './rng';


/** Faults the simulator can grow. Bearing faults excite the structural resonance; imbalance raises 1x. */
export type SimFaultKind = 'outer_race' | 'inner_race' | 'ball' | 'imbalance';

/**
 * One scheduled fault: nothing before `onsetSec`, then a severity growing exponentially from
 * `initialSeverity` with time constant `growthTauSec` until it saturates at `maxSeverity`
 * (severity 1 = the machine's full-scale fault, see {@link MachineSpec}).
 */
export interface FaultEvent {
  assetId: string;
  kind: SimFaultKind;
  onsetSec: number;
  growthTauSec: number;
  initialSeverity: number;
  maxSeverity: number;
}

/** Severity of one fault at time t (s since the simulation start). */
export function severityAt(f: FaultEvent, tSec: number): number {
  if (tSec < f.onsetSec) return 0;
  return Math.min(f.maxSeverity, f.initialSeverity * Math.exp((tSec - f.onsetSec) / f.growthTauSec));
}

/** How the shaft speed moves: an optional start-up from standstill and an optional slow wander (VFD, load). */
export interface SpeedProfile {
  nominalHz: number;
  /** Start-up from standstill at t = 0 taking this long (smooth S-curve); 0 or absent: running from the start. */
  startupSec?: number;
  /** Slow sinusoidal speed change: ±depth (fraction of nominal) over periodSec. */
  wander?: { depth: number; periodSec: number };
  /** Set-point changes (a drive moved to another operating speed): from atSec, over rampSec, speed × factor (cumulative). */
  steps?: ReadonlyArray<{ atSec: number; factor: number; rampSec: number }>;
}

/**
 * Physical description of one simulated machine's measurement point. Levels are chosen so a
 * healthy machine reads 1–2 mm/s ISO velocity and a bearing impact stands well above noise only
 * once a fault has grown.
 */
export interface MachineSpec {
  assetId: string;
  name: string;
  bearing: Bearing;
  sampleRateHz: number;
  speed: SpeedProfile;
  /** Velocity RMS (mm/s) of the 1x, 2x, 3x lines at nominal speed when healthy. */
  harmonicsMmS: [number, number, number];
  /** Structural resonance the bearing impacts ring (Hz, typically 2.5–4 kHz) and its damping ratio. */
  resonanceHz: number;
  dampingRatio: number;
  /** Broadband sensor + process noise, RMS g. */
  noiseG: number;
  /** Peak response (g) of one bearing impact at severity 1. */
  impulseG: number;
  /** 1x velocity RMS (mm/s) added by imbalance at severity 1. */
  imbalanceMmS: number;
  /** Random spacing jitter of impacts (fraction, uniform ±): rolling elements slip 1–2 %. */
  slip: number;
  /** Gear mesh: teeth on this shaft and the mesh line's amplitude (g) at nominal speed. */
  mesh?: { teeth: number; amplitudeG: number };
}

/** Acceleration amplitude (peak g) of a line at `freqHz` with velocity RMS `mmS`. */
export function peakGFromVelocity(mmS: number, freqHz: number): number {
  return (mmS * Math.SQRT2 * 1e-3 * 2 * Math.PI * freqHz) / G_M_S2;
}

const TWO_PI = 2 * Math.PI;
const BEARING_KINDS = ['outer_race', 'inner_race', 'ball'] as const;
type BearingKind = (typeof BEARING_KINDS)[number];

/** State of one bearing-defect impulse train (phase continuous across frames). */
interface ImpactTrain {
  kind: BearingKind;
  multiple: number;
  /** Defect cycles elapsed, and the cycle count of the next impact (1 + jitter after the previous). */
  cycles: number;
  nextAt: number;
  faults: FaultEvent[];
}

/**
 * Synthesises one accelerometer signal of a rotating machine, sample-exact and phase-continuous
 * across calls, deterministic for a seed.
 *
 * Signal = Σ shaft harmonics (1x..3x, amplitude ∝ speed², imbalance adds to 1x)
 *        + gear mesh line (optional)
 *        + bearing impact trains at BPFO / BPFI / BSF, each impact an input to a two-pole
 *          resonator (the structure's resonance: exponentially decaying ring), spacing jittered
 *          by slip, amplitude modulated by shaft rotation (inner race, through the load zone) or
 *          by the cage (ball)
 *        + Gaussian broadband noise.
 * Speed follows the profile; within a block it is interpolated linearly, and amplitudes and
 * severities are evaluated once per block (they change over seconds, blocks last ~0.1 s).
 */
export class MachineSimulator {
  /** Defect multiples used (BSF as impact rate). */
  readonly multiples: DefectMultiples;
  private readonly rng: Rng;
  private readonly trains: ImpactTrain[];
  private readonly imbalance: FaultEvent[];
  private readonly fs: number;
  private n = 0;
  /** Shaft and cage angles in cycles (kept in [0, 1)). */
  private shaftCycles: number;
  private cageCycles: number;
  private y1 = 0;
  private y2 = 0;
  private readonly c1: number;
  private readonly c2: number;
  private readonly impulseGain: number;
  private readonly wanderPhase: number;
  private readonly phase2: number;
  private readonly phase3: number;
  private readonly phaseImb: number;

  constructor(
    readonly spec: MachineSpec,
    faults: readonly FaultEvent[],
    seed: number,
  ) {
    this.fs = spec.sampleRateHz;
    this.rng = new Rng(hashSeed(seed, spec.assetId));
    this.multiples = defectMultiples(spec.bearing);
    const mine = faults.filter((f) => f.assetId === spec.assetId);
    const rate: Record<BearingKind, number> = { outer_race: this.multiples.bpfo, inner_race: this.multiples.bpfi, ball: this.multiples.bsf };
    this.trains = BEARING_KINDS.map((kind) => ({ kind, multiple: rate[kind], cycles: 0, nextAt: 1, faults: mine.filter((f) => f.kind === kind) })).filter(
      (t) => t.faults.length > 0,
    );
    this.imbalance = mine.filter((f) => f.kind === 'imbalance');
    const omega = (TWO_PI * spec.resonanceHz) / this.fs;
    const r = Math.exp(-spec.dampingRatio * omega);
    this.c1 = 2 * r * Math.cos(omega);
    this.c2 = r * r;
    // Unit impulse into y[n] = c1 y[n-1] − c2 y[n-2] + x[n] peaks near 1/sin(ω); normalise to 1 g.
    this.impulseGain = Math.sin(omega);
    this.shaftCycles = this.rng.next();
    this.cageCycles = this.rng.next();
    this.wanderPhase = TWO_PI * this.rng.next();
    this.phase2 = TWO_PI * this.rng.next();
    this.phase3 = TWO_PI * this.rng.next();
    this.phaseImb = TWO_PI * this.rng.next();
    for (const t of this.trains) t.cycles = this.rng.next();
  }

  /** Seconds of signal generated so far (the time of the next sample). */
  get timeSec(): number {
    return this.n / this.fs;
  }

  /** Samples generated so far. */
  get samplesGenerated(): number {
    return this.n;
  }

  /** Shaft speed at time t (s): the profile the 1x line follows. */
  shaftHzAt(tSec: number): number {
    const { nominalHz, startupSec, wander } = this.spec.speed;
    let f = nominalHz;
    if (startupSec && startupSec > 0 && tSec < startupSec) {
      const x = Math.max(0, tSec / startupSec);
      f *= x * x * (3 - 2 * x);
    }
    if (wander) f *= 1 + wander.depth * Math.sin((TWO_PI * tSec) / wander.periodSec + this.wanderPhase);
    for (const step of this.spec.speed.steps ?? []) {
      if (tSec <= step.atSec) continue;
      const x = step.rampSec > 0 ? Math.min(1, (tSec - step.atSec) / step.rampSec) : 1;
      f *= 1 + (step.factor - 1) * x * x * (3 - 2 * x);
    }
    return f;
  }

  /** Largest severity of the machine's faults of `kind` at time t. */
  severity(kind: SimFaultKind, tSec: number): number {
    let s = 0;
    const list = kind === 'imbalance' ? this.imbalance : (this.trains.find((t) => t.kind === kind)?.faults ?? []);
    for (const f of list) s = Math.max(s, severityAt(f, tSec));
    return s;
  }

  /**
   * Writes the next `to − from` samples into `out[from, to)` and advances time. Allocation-free.
   * Returns the mean shaft speed over the block (what a tachometer would report for it).
   */
  generate(out: Float32Array, from = 0, to = out.length): number {
    const count = to - from;
    if (count <= 0) return this.shaftHzAt(this.timeSec);
    const spec = this.spec;
    const fs = this.fs;
    const t0 = this.n / fs;
    const t1 = (this.n + count) / fs;
    const tMid = (t0 + t1) / 2;
    const f0 = this.shaftHzAt(t0);
    const f1 = this.shaftHzAt(t1);
    const df = (f1 - f0) / count;
    const fMid = 0.5 * (f0 + f1);
    const nominal = spec.speed.nominalHz;
    const speedSq = (fMid / nominal) * (fMid / nominal);

    // Amplitudes for this block (g peak). Harmonic displacement is constant with speed, so acceleration ∝ speed².
    const a1 = peakGFromVelocity(spec.harmonicsMmS[0], nominal) * speedSq;
    const a2 = peakGFromVelocity(spec.harmonicsMmS[1], 2 * nominal) * speedSq;
    const a3 = peakGFromVelocity(spec.harmonicsMmS[2], 3 * nominal) * speedSq;
    const aImb = peakGFromVelocity(spec.imbalanceMmS * this.severity('imbalance', tMid), nominal) * speedSq;
    const meshTeeth = spec.mesh?.teeth ?? 0;
    const aMesh = (spec.mesh?.amplitudeG ?? 0) * speedSq;
    const noise = spec.noiseG;
    const ftf = this.multiples.ftf;
    const slip = spec.slip;
    const c1 = this.c1;
    const c2 = this.c2;
    const rng = this.rng;
    const ph2 = this.phase2;
    const ph3 = this.phase3;
    const phImb = this.phaseImb;

    // Bearing trains: amplitude per block (0 when not yet started); at most three.
    const trains = this.trains;
    const nt = trains.length;
    const amp0 = nt > 0 ? spec.impulseG * this.impulseGain * this.severity(trains[0]!.kind, tMid) : 0;
    const amp1 = nt > 1 ? spec.impulseG * this.impulseGain * this.severity(trains[1]!.kind, tMid) : 0;
    const amp2 = nt > 2 ? spec.impulseG * this.impulseGain * this.severity(trains[2]!.kind, tMid) : 0;

    // Shaft angle as a unit phasor z = e^{iθ}, advanced by multiplication with r = e^{i·2πf/fs},
    // itself advanced by q = e^{i·2π·df/fs} (linear speed ramp). 2x and 3x come from z² and z³:
    // no trigonometric call per sample. Re-anchored to the exact phase at every block.
    const th0 = TWO_PI * this.shaftCycles;
    let zr = Math.cos(th0);
    let zi = Math.sin(th0);
    let rr = Math.cos((TWO_PI * f0) / fs);
    let ri = Math.sin((TWO_PI * f0) / fs);
    const qr = Math.cos((TWO_PI * df) / fs);
    const qi = Math.sin((TWO_PI * df) / fs);
    // a·sin(kθ + φ) = Im(a·e^{iφ}·z^k) = a·cos φ·Im(z^k) + a·sin φ·Re(z^k). Imbalance joins 1x.
    const b1i = a1 + aImb * Math.cos(phImb);
    const b1r = aImb * Math.sin(phImb);
    const b2i = a2 * Math.cos(ph2);
    const b2r = a2 * Math.sin(ph2);
    const b3i = a3 * Math.cos(ph3);
    const b3r = a3 * Math.sin(ph3);

    let shaft = this.shaftCycles;
    let cage = this.cageCycles;
    let y1 = this.y1;
    let y2 = this.y2;
    let f = f0;
    for (let i = from; i < to; i++) {
      const step = f / fs;
      shaft += step;
      if (shaft >= 1) shaft -= 1;
      const nzr = zr * rr - zi * ri;
      zi = zr * ri + zi * rr;
      zr = nzr;
      const nrr = rr * qr - ri * qi;
      ri = rr * qi + ri * qr;
      rr = nrr;
      let x = 0;
      if (nt > 0) {
        cage += step * ftf;
        if (cage >= 1) cage -= 1;
        for (let k = 0; k < nt; k++) {
          const tr = trains[k]!;
          tr.cycles += step * tr.multiple;
          if (tr.cycles >= tr.nextAt) {
            tr.nextAt += 1 + slip * (2 * rng.next() - 1);
            const a = k === 0 ? amp0 : k === 1 ? amp1 : amp2;
            if (a > 0) {
              // Load-zone modulation: the inner race carries the defect round with the shaft, a ball with the cage.
              const mod = tr.kind === 'outer_race' ? 1 : tr.kind === 'inner_race' ? 0.2 + 0.4 * (1 + zr) : 0.2 + 0.4 * (1 + Math.cos(TWO_PI * cage));
              x += a * mod;
            }
          }
        }
      }
      const y = c1 * y1 - c2 * y2 + x;
      y2 = y1;
      y1 = y;
      const z2r = zr * zr - zi * zi;
      const z2i = 2 * zr * zi;
      const z3r = z2r * zr - z2i * zi;
      const z3i = z2r * zi + z2i * zr;
      let v = b1i * zi + b1r * zr + b2i * z2i + b2r * z2r + b3i * z3i + b3r * z3r + y + noise * rng.fastGaussian();
      if (meshTeeth > 0) v += aMesh * Math.sin(meshTeeth * TWO_PI * shaft);
      out[i] = v;
      f += df;
    }
    // Keep defect cycle counters small so float precision never degrades over long runs.
    for (let k = 0; k < nt; k++) {
      const tr = trains[k]!;
      const whole = Math.floor(tr.cycles);
      tr.cycles -= whole;
      tr.nextAt -= whole;
    }
    this.shaftCycles = shaft;
    this.cageCycles = cage;
    this.y1 = y1;
    this.y2 = y2;
    this.n += count;
    return fMid;
  }
}
