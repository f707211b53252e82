import type { Frame } from '../contract';
import type { DemoPlant } from './demoPlant';
import { nodeScheduler, type Clock, type Disposable, type Scheduled, type Scheduler } from './scheduling';

/** How a {@link PlantDriver} runs. */
export interface PlantDriverOptions {
  plant: DemoPlant;
  /** Where frames go, typically `(f) => bus.offer(f)`; must not block. */
  sink: (frame: Frame) => unknown;
  clock: Clock;
  scheduler?: Scheduler;
  /** Most frame sets generated per timer turn when catching up after a stall. Default 20 (2 s of data). */
  maxSetsPerTurn?: number;
  /** Told when the sink throws; the driver keeps running. */
  onError?: (error: unknown) => void;
}

/**
 * Feeds a {@link DemoPlant} to the engine in real time: a frame set becomes due when its last
 * sample would have been measured (clock − start ≥ (k + 1) · frame duration), as with a real DAQ.
 * After a stall it catches up in bounded steps so the event loop is never held for long.
 */
export class PlantDriver implements Disposable {
  private pending: Scheduled | null = null;
  private t0 = 0;
  private sent = 0;
  private running = false;
  private readonly scheduler: Scheduler;

  constructor(private readonly options: PlantDriverOptions) {
    this.scheduler = options.scheduler ?? nodeScheduler;
  }

  /** Frame sets (one frame per channel) delivered so far. */
  get setsSent(): number {
    return this.sent;
  }

  /** Starts pacing from now (engine clock). Calling it while running does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = this.options.clock() - this.sent * this.options.plant.frameDurationMs;
    this.arm();
  }

  /** Stops; frames not yet due are not generated. */
  stop(): void {
    this.running = false;
    this.pending?.cancel();
    this.pending = null;
  }

  /** Same as stop: the driver owns one timer. */
  dispose(): void {
    this.stop();
  }

  private arm(): void {
    const frameMs = this.options.plant.frameDurationMs;
    const wait = this.t0 + (this.sent + 1) * frameMs - this.options.clock();
    this.pending = this.scheduler.after(Math.max(0, wait), () => this.turn());
  }

  private turn(): void {
    this.pending = null;
    if (!this.running) return;
    const { plant, sink, clock } = this.options;
    const max = this.options.maxSetsPerTurn ?? 20;
    const frameMs = plant.frameDurationMs;
    const elapsed = clock() - this.t0;
    let done = 0;
    while (done < max && (this.sent + 1) * frameMs <= elapsed) {
      for (const frame of plant.nextFrames()) {
        try {
          sink(frame);
        } catch (error) {
          this.options.onError?.(error);
        }
      }
      this.sent++;
      done++;
    }
    if (!this.running) return;
    if (done === max) this.pending = this.scheduler.soon(() => this.turn());
    else this.arm();
  }
}
