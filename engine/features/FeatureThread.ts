import type { Worker } from 'node:worker_threads';
import type { AssetConfig } from '../contract/asset';
import type { FeatureSet } from '../contract/features';
import { startModuleWorker } from '../util/startModuleWorker';

/** Engine → feature thread: one window (its buffer is transferred). */
export interface FeatureRequest {
  seq: number;
  assetId: string;
  channelId: string;
  samples: ArrayBuffer;
  endMs: number;
  shaftHz: number;
}

/** Feature thread → engine: the features of a window, or why there are none; the buffer comes back. */
export type FeatureReply =
  | { seq: number; ok: true; features: FeatureSet; samples: ArrayBuffer }
  | { seq: number; ok: false; error: string; samples: ArrayBuffer }
  | { seq: 0; ok: true; ready: true };

/** A window's features, with its samples (the same buffer, back from the thread). */
export interface ExtractedWindow {
  features: FeatureSet;
  samples: Float32Array;
}

interface Pending {
  resolve: (w: ExtractedWindow) => void;
  reject: (e: Error) => void;
}

/**
 * Feature extraction in a thread of its own (`featureWorker.ts`), for engines whose windows
 * outgrow one thread: the engine thread then only validates, cuts windows and decides, and a burst
 * of windows is extracted while it goes on taking frames. Answers come in the order asked, so the
 * engine's per-asset order of decisions holds. If the thread dies, every window waiting for it
 * fails with the reason and `dead` says why; the engine then extracts on its own thread again.
 */
export class FeatureThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failure: Error | null = null;
  readonly ready: Promise<void>;

  constructor(assets: readonly AssetConfig[]) {
    this.worker = startModuleWorker(import.meta.url, 'featureWorker', { workerData: assets });
    let markReady: () => void = () => {};
    let failStart: (e: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    this.worker.on('message', (r: FeatureReply) => {
      if ('ready' in r) markReady();
      else this.reply(r);
    });
    this.worker.on('error', (err) => {
      failStart(err);
      this.die(err);
    });
    this.worker.on('exit', (code) => {
      const err = new Error(`the feature thread exited (code ${code})`);
      failStart(err);
      this.die(err);
    });
  }

  /** Why the thread can no longer extract, or null while it can. */
  get dead(): Error | null {
    return this.failure;
  }

  /** Windows sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Extracts `samples` (handed over: the caller must not use it again until it comes back). */
  extract(assetId: string, channelId: string, samples: Float32Array, endMs: number, shaftHz: number): Promise<ExtractedWindow> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = ++this.seq;
    const buffer = samples.buffer as ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ seq, assetId, channelId, samples: buffer, endMs, shaftHz } satisfies FeatureRequest, [buffer]);
    });
  }

  async dispose(): Promise<void> {
    this.die(new Error('the feature thread was stopped'));
    await this.worker.terminate();
  }

  private reply(r: Exclude<FeatureReply, { ready: true }>): void {
    const p = this.pending.get(r.seq);
    if (!p) return;
    this.pending.delete(r.seq);
    if (r.ok) p.resolve({ features: r.features, samples: new Float32Array(r.samples) });
    else p.reject(new Error(r.error));
  }

  private die(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
