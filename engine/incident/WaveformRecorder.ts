import { DEFAULT_TIMING, type TimingTolerance } from '../ingest/validateFrame';

/** Pre-trigger span the engine records by default: 5 s, enough for a few hundred shaft turns. */
export const DEFAULT_SNAPSHOT_PRE_MS = 5000;
/** Post-trigger span the engine records by default: 5 s, covering the trip and the run-down. */
export const DEFAULT_SNAPSHOT_POST_MS = 5000;
/** Longest pre- or post-trigger span accepted: 60 s each. */
export const MAX_SNAPSHOT_SPAN_MS = 60_000;
/**
 * Most samples one snapshot may hold (pre + post): 2^23, i.e. 32 MiB of float32 — 60 s + 60 s at
 * 51.2 kHz (the fastest common DAQ rate) fits; a configuration above it is refused at construction.
 */
export const MAX_SNAPSHOT_SAMPLES = 1 << 23;
/**
 * Snapshots filling at once per channel. Alert and trip of two or three overlapping incidents fit;
 * a further trigger cuts the oldest short (`complete: false`, "superseded"), so a chattering alarm
 * cannot pile up buffers.
 */
export const MAX_FILLING_SNAPSHOTS = 8;
/** Frame size assumed when the engine does not pass the channel's `maxFrameSamples`. */
export const DEFAULT_MAX_FRAME_SAMPLES = 16_384;

/** What armed a snapshot: the incident opened (first alert), or the trip command. */
export type SnapshotTrigger = 'alert' | 'trip';

/** Raw samples of one channel around one incident moment, as stored with the incident. */
export interface WaveformSnapshot {
  incidentId: string;
  assetId: string;
  channelId: string;
  /** 'alert' = the incident opened (first alert); 'trip' = the trip command. */
  trigger: SnapshotTrigger;
  triggerMs: number;
  /** Time of samples[0]. */
  startMs: number;
  sampleRateHz: number;
  shaftHz: number | null;
  /** Samples before the trigger: the index of the trigger sample (the first sample at or after triggerMs). */
  preSamples: number;
  /** Pre + post, contiguous; owned by the snapshot. */
  samples: Float32Array;
  /**
   * True when the trigger sample and the whole post-trigger span are present. False when cut short
   * (shutdown, a gap in the data, superseded by newer triggers) or when the trigger predates the
   * history held. The pre part may be shorter than preMs even when complete (just after start or a
   * gap): `preSamples` says how much there is.
   */
  complete: boolean;
}

/** A snapshot without its samples, for listings and timelines. */
export type WaveformSnapshotMeta = Omit<WaveformSnapshot, 'samples'> & { sampleCount: number };

/** Configuration of one channel's recorder. */
export interface WaveformRecorderOptions {
  assetId: string;
  channelId: string;
  sampleRateHz: number;
  /** Pre-trigger span, 0 … `MAX_SNAPSHOT_SPAN_MS`. */
  preMs: number;
  /** Post-trigger span including the trigger sample, at least one sample, ≤ `MAX_SNAPSHOT_SPAN_MS`. */
  postMs: number;
  /** The channel's largest frame (its `maxFrameSamples`); sizes the history kept beyond preMs. */
  maxFrameSamples?: number;
  /** When consecutive frames count as contiguous; defaults to ingest's, so both agree on gaps. */
  timing?: TimingTolerance;
}

/** Counters for the engine's status; a snapshot, safe to serialise. */
export interface WaveformRecorderStats {
  /** Frames appended to the history. */
  frames: number;
  /** Frames refused without a throw: non-finite start time or no samples. */
  ignoredFrames: number;
  /** Discontinuities (a jump forward or backward in start time); each restarts the history. */
  gaps: number;
  /** Triggers refused without a throw: non-finite time, empty incident id, unknown kind. */
  ignoredTriggers: number;
  /** Triggers for an (incident, kind) already filling or waiting to be returned. */
  duplicateTriggers: number;
  /** Snapshots finished with the trigger sample and the whole post span. */
  completed: number;
  /** Snapshots finished incomplete: gap, drain, superseded, or a trigger older than the history. */
  cutShort: number;
}

/** A trigger sample lies within this fraction of a period after the trigger time (float epoch rounding). */
const TRIGGER_EPSILON_SAMPLES = 0.01;
const NONE: readonly WaveformSnapshot[] = Object.freeze([]);

/** A snapshot being filled. Indices are absolute sample counts since construction. */
interface Filling {
  incidentId: string;
  kind: SnapshotTrigger;
  triggerMs: number;
  shaftHz: number | null;
  /** False until a frame has given the trigger a place in the sample stream. */
  resolved: boolean;
  firstIndex: number;
  triggerIndex: number;
  endIndex: number;
  filledTo: number;
  startMs: number;
  /** The trigger sample was older than the history held, so the pre part and trigger are missing. */
  startsLate: boolean;
  buffer: Float32Array;
}

function check(ok: boolean, what: string, got: unknown, where: string): void {
  if (!ok) throw new RangeError(`WaveformRecorder ${where}: ${what}, got ${String(got)}`);
}

/**
 * The raw waveform of one channel around incident moments: a bounded history of the newest samples,
 * fed with every accepted frame, from which `trigger` freezes the pre-trigger part, and whose later
 * frames fill the post-trigger part. Pure: no store, no clock; time is the frames' own.
 *
 * History layout: not a wrap-around ring but a linear buffer of (preSamples + 2 × maxFrameSamples)
 * float32 that frames are appended to and that is compacted with `copyWithin` when full. Both
 * copies are memmoves of whole arrays, so the steady state allocates nothing (no subarray views)
 * and keeps every bit (a per-sample JS loop could canonicalise NaN payloads), and the pre part of
 * a snapshot is one contiguous slice. Compaction moves about (pre + frame) / frame samples per
 * sample pushed, amortised — microseconds per second of data.
 *
 * Memory, bounded: the history holds at most preSamples + maxFrameSamples samples (the newest
 * frame plus preMs before any trigger inside it), in a buffer one frame larger; each filling
 * snapshot holds at most pre + post samples, and at most `MAX_FILLING_SNAPSHOTS` fill at once.
 * Defaults at 12 kHz: 371 KB of history plus 480 KB per filling snapshot.
 *
 * Time: sample k of a frame is at startMs + k / rate, and the trigger sample is the first at or
 * after triggerMs, located from the newest frame's start (so a source's tolerated jitter does not
 * accumulate). A trigger may fall in the newest frame or before it; samples already held after it
 * count toward the post part. Gaps: a frame whose start is off the expected one by more than the
 * ingest tolerance is not stitched on; snapshots filling are returned cut short (complete=false)
 * and the history restarts with that frame.
 */
export class WaveformRecorder {
  readonly #assetId: string;
  readonly #channelId: string;
  readonly #rateHz: number;
  readonly #periodMs: number;
  readonly #preLen: number;
  readonly #postLen: number;
  readonly #historyCapacity: number;
  readonly #timing: TimingTolerance;
  readonly #buf: Float32Array;
  /** Write position in #buf; the history is #buf[#end - #held, #end). */
  #end = 0;
  #held = 0;
  /** Absolute index of the next sample. */
  #total = 0;
  #anchorMs = NaN;
  #anchorIndex = 0;
  #nextStartMs: number | null = null;
  #shaftHz: number | null = null;
  readonly #filling: Filling[] = [];
  /** Finished outside `push` (complete at arming, superseded): returned by the next push or drain. */
  readonly #ready: WaveformSnapshot[] = [];
  readonly #stats: WaveformRecorderStats = { frames: 0, ignoredFrames: 0, gaps: 0, ignoredTriggers: 0, duplicateTriggers: 0, completed: 0, cutShort: 0 };

  /** Throws RangeError naming the option for a configuration that cannot be recorded. */
  constructor(opts: WaveformRecorderOptions) {
    const where = `${String(opts.assetId)}/${String(opts.channelId)}`;
    check(typeof opts.assetId === 'string' && opts.assetId.length > 0, 'assetId must be a non-empty string', opts.assetId, where);
    check(typeof opts.channelId === 'string' && opts.channelId.length > 0, 'channelId must be a non-empty string', opts.channelId, where);
    check(Number.isFinite(opts.sampleRateHz) && opts.sampleRateHz > 0, 'sampleRateHz must be finite and positive', opts.sampleRateHz, where);
    const span = `must be finite, in [0, ${MAX_SNAPSHOT_SPAN_MS}] ms`;
    check(Number.isFinite(opts.preMs) && opts.preMs >= 0 && opts.preMs <= MAX_SNAPSHOT_SPAN_MS, `preMs ${span}`, opts.preMs, where);
    check(Number.isFinite(opts.postMs) && opts.postMs >= 0 && opts.postMs <= MAX_SNAPSHOT_SPAN_MS, `postMs ${span}`, opts.postMs, where);
    const maxFrame = opts.maxFrameSamples ?? DEFAULT_MAX_FRAME_SAMPLES;
    check(Number.isInteger(maxFrame) && maxFrame > 0 && maxFrame <= MAX_SNAPSHOT_SAMPLES, `maxFrameSamples must be an integer in [1, ${MAX_SNAPSHOT_SAMPLES}]`, maxFrame, where);
    const timing = opts.timing ?? DEFAULT_TIMING;
    check(Number.isFinite(timing.toleranceMs) && timing.toleranceMs >= 0, 'timing.toleranceMs must be finite and ≥ 0', timing.toleranceMs, where);
    check(Number.isFinite(timing.gapPeriods) && timing.gapPeriods >= 0, 'timing.gapPeriods must be finite and ≥ 0', timing.gapPeriods, where);
    this.#preLen = Math.round((opts.preMs * opts.sampleRateHz) / 1000);
    this.#postLen = Math.round((opts.postMs * opts.sampleRateHz) / 1000);
    check(this.#postLen >= 1, 'postMs must span at least one sample (the trigger sample)', opts.postMs, where);
    const total = this.#preLen + this.#postLen;
    check(total <= MAX_SNAPSHOT_SAMPLES, `a snapshot must hold at most ${MAX_SNAPSHOT_SAMPLES} samples (pre + post)`, total, where);
    this.#assetId = opts.assetId;
    this.#channelId = opts.channelId;
    this.#rateHz = opts.sampleRateHz;
    this.#periodMs = 1000 / opts.sampleRateHz;
    this.#timing = { ...timing };
    this.#historyCapacity = this.#preLen + maxFrame;
    this.#buf = new Float32Array(this.#historyCapacity + maxFrame);
  }

  /** Samples of history held now; never more than `historyCapacitySamples`. */
  get heldSamples(): number {
    return this.#held;
  }

  /** Most samples of history kept: preSamples + maxFrameSamples. */
  get historyCapacitySamples(): number {
    return this.#historyCapacity;
  }

  /** Bytes of sample storage held: the history buffer plus every filling snapshot's buffer. */
  memoryBytes(): number {
    return this.#filling.reduce((sum, f) => sum + f.buffer.byteLength, this.#buf.byteLength);
  }

  /** A copy of the counters. */
  stats(): WaveformRecorderStats {
    return { ...this.#stats };
  }

  /**
   * Appends a frame's samples (copied; the caller may reuse `samples`). Returns the snapshots whose
   * post-trigger part is now full, and any finished otherwise since the last call (cut short by a
   * gap or superseded, or complete when triggered). Never throws: a frame with a non-finite start
   * or no samples is counted and ignored. Allocates nothing while no trigger is armed (the empty
   * result is one shared, frozen array).
   */
  push(startMs: number, samples: Float32Array, shaftHz: number | null): readonly WaveformSnapshot[] {
    const n = samples.length;
    if (!Number.isFinite(startMs) || n === 0) {
      this.#stats.ignoredFrames++;
      return this.#takeReady();
    }
    this.#stats.frames++;
    if (this.#nextStartMs !== null) {
      const deltaMs = startMs - this.#nextStartMs;
      const gapMs = this.#timing.gapPeriods * this.#periodMs + this.#timing.toleranceMs;
      if (deltaMs < -this.#timing.toleranceMs || deltaMs > gapMs) this.#restart();
    }
    const t0 = this.#total;
    this.#append(samples);
    this.#anchorMs = startMs;
    this.#anchorIndex = t0;
    this.#nextStartMs = startMs + n * this.#periodMs;
    this.#shaftHz = shaftHz !== null && Number.isFinite(shaftHz) ? shaftHz : null;
    if (this.#filling.length === 0) return this.#takeReady();

    for (let i = 0; i < this.#filling.length; i++) {
      const f = this.#filling[i]!;
      if (!f.resolved) {
        this.#resolve(f);
        continue; // #resolve copied from the history, which already holds this frame
      }
      const from = Math.max(f.filledTo, t0);
      const to = Math.min(f.endIndex, t0 + n);
      if (to > from) {
        f.buffer.set(samples.subarray(from - t0, to - t0), from - f.firstIndex);
        f.filledTo = to;
      }
    }
    for (let i = 0; i < this.#filling.length; ) {
      const f = this.#filling[i]!;
      if (f.resolved && f.filledTo >= f.endIndex) {
        this.#filling.splice(i, 1);
        this.#ready.push(this.#finish(f, !f.startsLate));
      } else {
        i++;
      }
    }
    return this.#takeReady();
  }

  /**
   * Arms a snapshot of this channel for `incidentId`. The pre part is what the history holds
   * before triggerMs (up to preMs); the post part starts at the first sample at or after triggerMs,
   * with samples already held counting toward it, and fills from later pushes. A trigger before any
   * frame waits for the first one. Never throws: a non-finite time, an empty id or an unknown kind
   * is counted and ignored, as is a second trigger of the same incident and kind while the first is
   * not yet returned (the first moment is the fact).
   */
  trigger(incidentId: string, kind: SnapshotTrigger, triggerMs: number): void {
    if (!Number.isFinite(triggerMs) || typeof incidentId !== 'string' || incidentId.length === 0 || (kind !== 'alert' && kind !== 'trip')) {
      this.#stats.ignoredTriggers++;
      return;
    }
    const taken =
      this.#filling.some((f) => f.incidentId === incidentId && f.kind === kind) ||
      this.#ready.some((s) => s.incidentId === incidentId && s.trigger === kind);
    if (taken) {
      this.#stats.duplicateTriggers++;
      return;
    }
    if (this.#filling.length >= MAX_FILLING_SNAPSHOTS) this.#ready.push(this.#finish(this.#filling.shift()!, false));
    const f: Filling = {
      incidentId,
      kind,
      triggerMs,
      shaftHz: this.#shaftHz,
      resolved: false,
      firstIndex: 0,
      triggerIndex: 0,
      endIndex: 0,
      filledTo: 0,
      startMs: triggerMs,
      startsLate: false,
      buffer: new Float32Array(0),
    };
    if (this.#nextStartMs !== null) {
      this.#resolve(f);
      if (f.filledTo >= f.endIndex) {
        this.#ready.push(this.#finish(f, !f.startsLate));
        return;
      }
    }
    this.#filling.push(f);
  }

  /**
   * Returns every snapshot not yet returned: those waiting (as they are) and those still filling,
   * cut short (complete=false) with the samples they have — at shutdown, so nothing armed is lost.
   * The history is kept; later pushes and triggers work as before.
   */
  drain(): WaveformSnapshot[] {
    const out = this.#ready.splice(0);
    for (const f of this.#filling.splice(0)) out.push(this.#finish(f, false));
    return out;
  }

  #takeReady(): readonly WaveformSnapshot[] {
    return this.#ready.length === 0 ? NONE : this.#ready.splice(0);
  }

  /** A discontinuity: what is filling ends here, and the history starts again with the next frame. */
  #restart(): void {
    this.#stats.gaps++;
    for (let i = 0; i < this.#filling.length; ) {
      const f = this.#filling[i]!;
      if (f.resolved) {
        this.#filling.splice(i, 1);
        this.#ready.push(this.#finish(f, false));
      } else {
        i++;
      }
    }
    this.#end = 0;
    this.#held = 0;
  }

  /** Copies a frame into the history, compacting first if it would run past the buffer. */
  #append(samples: Float32Array): void {
    const n = samples.length;
    const cap = this.#historyCapacity;
    if (n >= cap) {
      // Larger than the whole history (beyond maxFrameSamples): keep its newest part. Rare, so the view is fine.
      this.#buf.set(n === cap ? samples : samples.subarray(n - cap), 0);
      this.#end = cap;
      this.#held = cap;
    } else {
      if (this.#end + n > this.#buf.length) {
        const keep = Math.min(this.#held, cap - n);
        this.#buf.copyWithin(0, this.#end - keep, this.#end);
        this.#end = keep;
        this.#held = keep;
      }
      this.#buf.set(samples, this.#end);
      this.#end += n;
      this.#held = Math.min(this.#held + n, cap);
    }
    this.#total += n;
  }

  /** Places the trigger in the sample stream and copies what the history already holds of its window. */
  #resolve(f: Filling): void {
    const triggerIndex = this.#anchorIndex + Math.ceil(((f.triggerMs - this.#anchorMs) * this.#rateHz) / 1000 - TRIGGER_EPSILON_SAMPLES);
    const oldest = this.#total - this.#held;
    f.resolved = true;
    f.triggerIndex = triggerIndex;
    f.startsLate = triggerIndex < oldest;
    f.firstIndex = f.startsLate ? oldest : Math.max(triggerIndex - this.#preLen, oldest);
    f.endIndex = Math.max(triggerIndex + this.#postLen, f.firstIndex);
    f.startMs = this.#anchorMs + (f.firstIndex - this.#anchorIndex) * this.#periodMs;
    if (f.shaftHz === null) f.shaftHz = this.#shaftHz;
    f.buffer = new Float32Array(f.endIndex - f.firstIndex);
    const to = Math.min(f.endIndex, this.#total);
    if (to > f.firstIndex) {
      const at = (index: number): number => this.#end - (this.#total - index);
      f.buffer.set(this.#buf.subarray(at(f.firstIndex), at(to)), 0);
    }
    f.filledTo = Math.max(f.firstIndex, to);
  }

  #finish(f: Filling, complete: boolean): WaveformSnapshot {
    if (complete) this.#stats.completed++;
    else this.#stats.cutShort++;
    const filled = f.resolved ? f.filledTo - f.firstIndex : 0;
    return {
      incidentId: f.incidentId,
      assetId: this.#assetId,
      channelId: this.#channelId,
      trigger: f.kind,
      triggerMs: f.triggerMs,
      startMs: f.startMs,
      sampleRateHz: this.#rateHz,
      shaftHz: f.shaftHz,
      preSamples: f.resolved && !f.startsLate ? Math.min(f.triggerIndex - f.firstIndex, filled) : 0,
      samples: filled === f.buffer.length ? f.buffer : f.buffer.slice(0, filled),
      complete,
    };
  }
}
