import type { AssetConfig, Frame } from '../contract';
import { DEMO_CHANNEL_ID, DEMO_MACHINES, defaultFaultSchedule, demoAssetConfig } from './demoMachines';
import { MachineSimulator, type FaultEvent, type MachineSpec } from './simulator';

/** How to build a {@link DemoPlant}. */
export interface DemoPlantOptions {
  /** Seeds noise, slip jitter, initial phases and the default schedule's onsets. */
  seed: number;
  /** Epoch ms of the first sample. */
  startMs: number;
  /** Samples per frame and channel. Default 1280 (100 ms at 12.8 kHz). */
  frameSamples?: number;
  /** Faults to grow; default {@link defaultFaultSchedule}(seed). Pass [] for an all-healthy plant. */
  faultSchedule?: FaultEvent[];
  /** Machines; default the seven {@link DEMO_MACHINES}. */
  machines?: readonly MachineSpec[];
}

/**
 * A plant of simulated machines that produces frames on demand, so the console runs, demos and
 * tests end to end with no hardware and no recordings. Frames are contiguous in time per channel
 * and deterministic for a seed; a frame's samples are a fresh array (the bus queues by reference),
 * but generation itself allocates nothing per sample.
 */
export class DemoPlant {
  readonly frameSamples: number;
  readonly startMs: number;
  readonly faultSchedule: readonly FaultEvent[];
  private readonly sims: MachineSimulator[];
  private readonly configs: AssetConfig[];
  private frameIndex = 0;

  constructor(options: DemoPlantOptions) {
    this.frameSamples = options.frameSamples ?? 1280;
    if (!Number.isInteger(this.frameSamples) || this.frameSamples <= 0) throw new RangeError('frameSamples must be a positive integer');
    this.startMs = options.startMs;
    const machines = options.machines ?? DEMO_MACHINES;
    const rates = new Set(machines.map((m) => m.sampleRateHz));
    if (rates.size !== 1) throw new Error('all demo machines must share one sampling rate so frames stay aligned');
    this.faultSchedule = options.faultSchedule ?? defaultFaultSchedule(options.seed);
    this.sims = machines.map((m) => new MachineSimulator(m, this.faultSchedule, options.seed));
    this.configs = machines.map(demoAssetConfig);
  }

  /** Engine configuration of every machine (fresh copies). */
  assets(): AssetConfig[] {
    return structuredClone(this.configs);
  }

  /** The simulator of one machine (for tests and the console's "what is simulated" view). */
  simulator(assetId: string): MachineSimulator {
    const sim = this.sims.find((s) => s.spec.assetId === assetId);
    if (!sim) throw new Error(`no simulated machine '${assetId}'`);
    return sim;
  }

  /** Duration of one frame in ms. */
  get frameDurationMs(): number {
    return (this.frameSamples * 1000) / this.sampleRateHz;
  }

  /** Sampling rate shared by all channels. */
  get sampleRateHz(): number {
    return this.sims[0]!.spec.sampleRateHz;
  }

  /** Epoch ms of the next frame's first sample. */
  get nextStartMs(): number {
    return this.startMs + this.frameIndex * this.frameDurationMs;
  }

  /** One frame per channel for the next `frameSamples` samples; advances plant time. */
  nextFrames(): Frame[] {
    const startMs = this.nextStartMs;
    const frames: Frame[] = [];
    for (const sim of this.sims) {
      const samples = new Float32Array(this.frameSamples);
      const shaftHz = sim.generate(samples);
      const frame: Frame = { assetId: sim.spec.assetId, channelId: DEMO_CHANNEL_ID, startMs, sampleRateHz: sim.spec.sampleRateHz, samples };
      // A tachometer reads nothing useful below ~0.1 Hz (start-up from standstill).
      if (shaftHz > 0.1) frame.shaftHz = shaftHz;
      frames.push(frame);
    }
    this.frameIndex++;
    return frames;
  }
}
