import { MessageChannel, type Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/startModuleWorker';
import type { RecordedTrip } from './actuator';
import type { OutputReceipt } from './tripOutput';
import type { FromOutput, OutputLink, ToOutput, TripOutputWorkerData } from './tripOutputProtocol';
import type { PlantConfig } from '../config/plant/plantConfigSchema';

/** How the trip output thread is started. */
export interface TripOutputThreadOptions {
  log?: (line: string) => void;
  entryBaseUrl?: string;
  /** The plant whose trip outputs (MQTT, Modbus, OPC UA) the thread starts and owns; absent: the built-in recorder. */
  plant?: PlantConfig;
  /** The OPC UA client's certificate store (`opcuaPkiFolder`). */
  pkiFolder?: string;
}

/** An operator stop as the host thread sends it. */
export interface OutputStop {
  commandId: string;
  assetIds: string[];
  decidedAtMs: number;
  /** The reason the controller keeps (formatOperatorTripReason). */
  reason: string;
}

/** One asset's outcome of a command: the actuator's receipt, or why it did not go out. */
export type AssetOutcome = OutputReceipt | { assetId: string; failed: string };

/** How long receipts of a command are kept for a caller that has not asked yet. */
const KEEP_RECEIPTS_MS = 60_000;

/**
 * The trip output thread (`tripOutputWorker.ts`) seen from the thread that starts it: send an
 * operator stop, wait for the actuator's receipts, and hand a port to each engine thread (a
 * restarted engine gets a new one; the output thread, and the controller connection it will own,
 * live on). Receipts come for every command with a command id, whoever sent it, so a stop the
 * engine thread sent is answered with the actuator's own time too.
 */
export class TripOutputThread {
  readonly #worker: Worker;
  readonly #outcomes = new Map<string, { atMs: number; byAsset: Map<string, AssetOutcome> }>();
  readonly #waiters = new Set<() => void>();
  readonly #asked = new Map<number, (trips: RecordedTrip[]) => void>();
  readonly #exitListeners = new Set<(reason: string) => void>();
  #seq = 0;
  #exited: string | null = null;
  #closing = false;
  #actuator = '';

  private constructor(ready: (r: Error | null) => void, o: TripOutputThreadOptions) {
    const workerData: TripOutputWorkerData = o.plant ? { plant: o.plant, ...(o.pkiFolder ? { pkiFolder: o.pkiFolder } : {}) } : {};
    this.#worker = startModuleWorker(o.entryBaseUrl ?? import.meta.url, 'tripOutputWorker', { workerData });
    this.#worker.on('message', (m: FromOutput) => {
      switch (m.kind) {
        case 'ready':
          this.#actuator = m.actuator;
          ready(null);
          break;
        case 'commanded':
          for (const r of m.receipts) if (r.commandId !== null) this.#record(r.commandId, r);
          break;
        case 'failed':
          o.log?.(`trip output: the command to ${m.assetId} did not go out: ${m.message}`);
          if (m.commandId !== null) this.#record(m.commandId, { assetId: m.assetId, failed: m.message });
          break;
        case 'trips':
          this.#asked.get(m.seq)?.(m.trips);
          this.#asked.delete(m.seq);
          break;
        case 'log':
          o.log?.(m.line);
          break;
      }
    });
    this.#worker.on('error', (err) => o.log?.(`trip output thread error: ${err.stack ?? err.message}`));
    this.#worker.on('exit', (code) => {
      this.#exited = this.#closing ? 'closed' : `the trip output thread exited with code ${code}`;
      ready(new Error(this.#exited));
      for (const w of this.#waiters) w();
      for (const [, answer] of this.#asked) answer([]);
      this.#asked.clear();
      if (!this.#closing) for (const l of this.#exitListeners) l(this.#exited);
    });
  }

  /** Starts the thread and resolves once its actuator is ready. */
  static start(o: TripOutputThreadOptions = {}): Promise<TripOutputThread> {
    return new Promise((resolve, reject) => {
      const t: TripOutputThread = new TripOutputThread((err) => (err ? reject(new Error(`the trip output thread did not start: ${err.message}`)) : resolve(t)), o);
    });
  }

  /** The actuator's name, as receipts carry it. */
  get actuator(): string {
    return this.#actuator;
  }

  /** Why the thread is gone, or null while it runs. */
  get exited(): string | null {
    return this.#exited;
  }

  /** A port for an engine thread's `PortActuator`; the output thread listens to it instead of any earlier engine's. */
  engineLink(): OutputLink {
    const { port1, port2 } = new MessageChannel();
    this.#worker.postMessage({ kind: 'engine', port: port2 } satisfies ToOutput, [port2]);
    return { port: port1, actuator: this.#actuator };
  }

  /** Sends an operator stop now; false when the thread is gone (the caller then takes the engine's path). */
  stop(s: OutputStop): boolean {
    if (this.#exited) return false;
    this.#worker.postMessage({ kind: 'stop', ...s } satisfies ToOutput);
    return true;
  }

  /**
   * The outcome of command `commandId` for each of `assetIds`, once all have one or after
   * `timeoutMs`; an asset without an outcome by then is missing from the map.
   */
  outcomes(commandId: string, assetIds: readonly string[], timeoutMs: number): Promise<Map<string, AssetOutcome>> {
    const collect = (): Map<string, AssetOutcome> | null => {
      const byAsset = this.#outcomes.get(commandId)?.byAsset;
      if (byAsset && assetIds.every((a) => byAsset.has(a))) return this.#take(commandId, assetIds);
      return this.#exited ? this.#take(commandId, assetIds) : null;
    };
    const now = collect();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const check = (): void => {
        const got = collect();
        if (!got) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(got);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        resolve(this.#take(commandId, assetIds));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Everything the built-in recorder has commanded, oldest first (empty once the thread is gone). */
  trips(): Promise<RecordedTrip[]> {
    if (this.#exited) return Promise.resolve([]);
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      this.#asked.set(seq, resolve);
      this.#worker.postMessage({ kind: 'trips', seq } satisfies ToOutput);
    });
  }

  /** Called once if the thread dies without being closed. */
  onExit(l: (reason: string) => void): () => void {
    this.#exitListeners.add(l);
    return () => this.#exitListeners.delete(l);
  }

  /** Ends the thread (after the engine threads that send to it). */
  close(): Promise<void> {
    if (this.#exited) return Promise.resolve();
    this.#closing = true;
    return new Promise((resolve) => {
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage({ kind: 'close' } satisfies ToOutput);
    });
  }

  /** Ends the thread at once, as a crash would (for tests). */
  kill(): Promise<number> {
    return this.#worker.terminate();
  }

  #record(commandId: string, o: AssetOutcome): void {
    const now = Date.now();
    for (const [id, c] of this.#outcomes) if (now - c.atMs > KEEP_RECEIPTS_MS) this.#outcomes.delete(id);
    let c = this.#outcomes.get(commandId);
    if (!c) this.#outcomes.set(commandId, (c = { atMs: now, byAsset: new Map() }));
    // The first outcome stands: a later duplicate of the same stop repeats it.
    if (!c.byAsset.has(o.assetId)) c.byAsset.set(o.assetId, o);
    for (const w of this.#waiters) w();
  }

  #take(commandId: string, assetIds: readonly string[]): Map<string, AssetOutcome> {
    const byAsset = this.#outcomes.get(commandId)?.byAsset;
    const out = new Map<string, AssetOutcome>();
    for (const a of assetIds) {
      const o = byAsset?.get(a);
      if (o) out.set(a, o);
    }
    return out;
  }
}
