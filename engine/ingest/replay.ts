import type { Frame } from '../contract';
import { findEntry, isWaveform, loadManifest, loadRecording, RecordingError, shaftHzOf } from './manifest';
import { nodeScheduler, type Clock, type Scheduled, type Scheduler } from './scheduling';

/** What to stream and how to cut it into frames. */
export interface ReplayOptions {
  assetId: string;
  channelId: string;
  /** The whole recording; frames are views into it (no copies). */
  samples: Float32Array;
  sampleRateHz: number;
  /** Samples per frame (the last frame of the range may be shorter). */
  frameSamples: number;
  /** Epoch ms of the recording's sample 0. Sample k is at epochMs + k/sampleRateHz·1000, also inside a range. */
  epochMs: number;
  /** Shaft speed to stamp on every frame (tachometer), when known. */
  shaftHz?: number;
  /** First sample streamed (inclusive). Default 0. */
  startSample?: number;
  /** End of the streamed range (exclusive). Default: end of recording. */
  endSample?: number;
}

/** How {@link ReplaySource.run} paces frames. */
export interface ReplayRunOptions {
  /** 'realtime': each frame is sent when its last sample would have been recorded; 'fast': back to back, yielding between frames. */
  pace: 'realtime' | 'fast';
  /** Engine clock, for realtime pacing. Default Date.now is NOT assumed: realtime requires a clock. */
  clock?: Clock;
  scheduler?: Scheduler;
  /** Stops the replay; run() then resolves with `aborted: true`. */
  signal?: AbortSignal;
  /** Fast pace: frames sent per event-loop turn. Default 1, so the engine's bus drains between frames. */
  framesPerTurn?: number;
}

/** How a run ended. */
export interface ReplayResult {
  framesSent: number;
  samplesSent: number;
  aborted: boolean;
}

/**
 * Streams one recording as frames, so recorded data takes exactly the path live data takes
 * (bus → ingest → features → scoring). Used by the CLI's `replay` and `evaluate` and by tests.
 */
export class ReplaySource {
  private readonly start: number;
  private readonly end: number;

  constructor(private readonly opts: ReplayOptions) {
    const { samples, frameSamples, sampleRateHz } = opts;
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) throw new RangeError(`frameSamples must be a positive integer, got ${frameSamples}`);
    if (!(sampleRateHz > 0)) throw new RangeError(`sampleRateHz must be positive, got ${sampleRateHz}`);
    this.start = opts.startSample ?? 0;
    this.end = opts.endSample ?? samples.length;
    if (!Number.isInteger(this.start) || !Number.isInteger(this.end) || this.start < 0 || this.end > samples.length || this.start > this.end) {
      throw new RangeError(`sample range [${this.start}, ${this.end}) is outside the recording's ${samples.length} samples`);
    }
  }

  /**
   * A source for `file` listed in `dir/manifest.json` (CWRU format): sampling rate and shaft speed
   * come from the manifest; size and SHA-256 are checked before the first frame.
   */
  static async fromRecording(
    dir: string,
    file: string,
    opts: Omit<ReplayOptions, 'samples' | 'sampleRateHz' | 'shaftHz'> & { shaftHz?: number },
  ): Promise<ReplaySource> {
    const manifest = await loadManifest(dir);
    const entry = findEntry(manifest, file);
    if (!isWaveform(entry)) {
      throw new RecordingError('unknown_recording', `'${file}' is a feature matrix (IMS), not a waveform recording that can be replayed as frames`);
    }
    const samples = await loadRecording(dir, entry);
    return new ReplaySource({ ...opts, samples, sampleRateHz: entry.sampling_rate_hz, shaftHz: opts.shaftHz ?? shaftHzOf(entry) });
  }

  /** Number of frames in the range. */
  get frameCount(): number {
    return Math.ceil((this.end - this.start) / this.opts.frameSamples);
  }

  /** Duration of one full frame in ms. */
  get frameDurationMs(): number {
    return (this.opts.frameSamples * 1000) / this.opts.sampleRateHz;
  }

  /** The i-th frame of the range (0-based). Its samples are a view into the recording. */
  frameAt(i: number): Frame {
    const { assetId, channelId, samples, sampleRateHz, frameSamples, epochMs, shaftHz } = this.opts;
    const from = this.start + i * frameSamples;
    const to = Math.min(from + frameSamples, this.end);
    const frame: Frame = { assetId, channelId, startMs: epochMs + (from * 1000) / sampleRateHz, sampleRateHz, samples: samples.subarray(from, to) };
    if (shaftHz !== undefined) frame.shaftHz = shaftHz;
    return frame;
  }

  /** All frames of the range, synchronously: for evaluation and tests, where no pacing is wanted. */
  *frames(): Generator<Frame, void, void> {
    const n = this.frameCount;
    for (let i = 0; i < n; i++) yield this.frameAt(i);
  }

  /**
   * Sends every frame of the range to `sink`, paced as asked. Resolves when the range is done or
   * the signal aborts; never rejects because of the sink (a throwing sink ends the run with its error).
   */
  run(sink: (frame: Frame) => unknown, options: ReplayRunOptions): Promise<ReplayResult> {
    const scheduler = options.scheduler ?? nodeScheduler;
    const { signal } = options;
    const total = this.frameCount;
    const perTurn = Math.max(1, options.framesPerTurn ?? 1);
    let next = 0;
    let samplesSent = 0;
    let pending: Scheduled | null = null;
    if (options.pace === 'realtime' && !options.clock) throw new Error('realtime replay needs a clock');
    const clock = options.clock ?? (() => 0);
    const t0 = clock();
    const frameMs = this.frameDurationMs;

    return new Promise<ReplayResult>((resolve, reject) => {
      const finish = (aborted: boolean): void => {
        pending?.cancel();
        pending = null;
        signal?.removeEventListener('abort', onAbort);
        resolve({ framesSent: next, samplesSent, aborted });
      };
      const onAbort = (): void => finish(true);
      const send = (): void => {
        const f = this.frameAt(next);
        next++;
        samplesSent += f.samples.length;
        sink(f);
      };
      const step = (): void => {
        pending = null;
        if (signal?.aborted) return finish(true);
        try {
          if (options.pace === 'fast') {
            for (let k = 0; k < perTurn && next < total; k++) send();
            if (next >= total) return finish(false);
            pending = scheduler.soon(step);
          } else {
            // Send every frame whose last sample is due by now (catching up after a stall).
            const elapsed = clock() - t0;
            while (next < total && (next + 1) * frameMs <= elapsed) send();
            if (next >= total) return finish(false);
            pending = scheduler.after((next + 1) * frameMs - elapsed, step);
          }
        } catch (error) {
          pending?.cancel();
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        }
      };
      if (signal?.aborted) return finish(true);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (total === 0) return finish(false);
      pending = options.pace === 'fast' ? scheduler.soon(step) : scheduler.after(frameMs, step);
    });
  }
}
