import { randomUUID } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { EngineEvent } from '../../contract/events';
import { startModuleWorker } from '../../util/startModuleWorker';
import { eventTopic } from '../mqtt/topics';
import type { OutboxItem } from './EventOutbox';
import type { EventForwarderCounters, EventForwarderWorkerData, FromForwarder, ToForwarder } from './eventForwarderProtocol';

/** The engine events worth a message to the plant: every one but per-window scores and per-frame rejections (those are counted in the status). */
export const FORWARDED_EVENTS = [
  'AlarmLevelChanged', 'TripRequested', 'OperatingStateChanged', 'ProtectionNotice', 'QualityChanged',
  'CommissioningCompleted', 'ModelPromoted', 'ModelPromotionRejected', 'DriftDetected', 'LearningResumed',
] as const satisfies readonly EngineEvent['type'][];

const forwarded: ReadonlySet<string> = new Set(FORWARDED_EVENTS);

/** An event as it goes on the wire, on `vigil/v1/<site>/<asset>/event/<type>`. */
export interface ForwardedEvent {
  /** Unique per event: consumers drop repeats (delivery is at least once). */
  eventId: string;
  engineId: string;
  site: string;
  /** When the engine queued it (wall clock, ms). */
  queuedAtMs: number;
  event: EngineEvent;
}

/** Where and how events are forwarded. */
export interface EventForwarderOptions extends Omit<EventForwarderWorkerData, 'backoff' | 'clientId'> {
  site: string;
  engineId: string;
  clientId?: string;
  backoff?: EventForwarderWorkerData['backoff'];
  log?: (line: string) => void;
  clock?: () => number;
}

/**
 * The engine's events forwarded to the plant's broker (store-and-forward). The engine thread only
 * posts each event to the forwarder's thread (`eventForwarderWorker.ts`), which writes it to the
 * outbox file and sends it when the broker is there: a broker outage costs the engine nothing, and
 * what happened during it arrives, in order, after reconnection, even across an engine restart.
 */
export class EventForwarder {
  readonly #worker: Worker;
  readonly #o: EventForwarderOptions;
  readonly #asked = new Map<number, (c: EventForwarderCounters | null) => void>();
  #batch: Omit<OutboxItem, 'seq'>[] = [];
  #seq = 0;
  #closed: Promise<void> | null = null;
  #exited = false;

  private constructor(o: EventForwarderOptions, ready: (err: Error | null) => void) {
    this.#o = o;
    const data: EventForwarderWorkerData = {
      outboxPath: o.outboxPath, maxQueued: o.maxQueued, url: o.url, clientId: o.clientId ?? `vigil-events-${o.engineId}`,
      backoff: o.backoff ?? { firstDelayMs: 500, maxDelayMs: 10_000 }, ...(o.login ? { login: o.login } : {}),
    };
    this.#worker = startModuleWorker(import.meta.url, 'eventForwarderWorker', { workerData: data });
    this.#worker.on('message', (m: FromForwarder) => {
      if (m.kind === 'ready') ready(null);
      else if (m.kind === 'log') o.log?.(m.line);
      else if (m.kind === 'counters') {
        this.#asked.get(m.seq)?.(m.counters);
        this.#asked.delete(m.seq);
      }
    });
    this.#worker.on('error', (err) => {
      o.log?.(`events: the forwarder thread failed: ${err.message}; events are no longer forwarded`);
      ready(err);
    });
    this.#worker.on('exit', () => {
      this.#exited = true;
      for (const [, answer] of this.#asked) answer(null);
      this.#asked.clear();
    });
  }

  /** Starts the forwarder's thread (opening the outbox) and resolves once it runs; the broker may come later. */
  static start(o: EventForwarderOptions): Promise<EventForwarder> {
    return new Promise((resolve, reject) => {
      const f: EventForwarder = new EventForwarder(o, (err) => (err ? reject(err) : resolve(f)));
    });
  }

  /** Queues `e` if it is a forwarded kind; events of one turn go to the thread as one message. */
  offer(e: EngineEvent): void {
    if (!forwarded.has(e.type) || this.#closed || this.#exited) return;
    const queuedAtMs = (this.#o.clock ?? Date.now)();
    const message: ForwardedEvent = { eventId: randomUUID(), engineId: this.#o.engineId, site: this.#o.site, queuedAtMs, event: e };
    const assetId = 'assetId' in e && typeof e.assetId === 'string' ? e.assetId : '_plant';
    if (this.#batch.length === 0) queueMicrotask(() => this.#flush());
    this.#batch.push({ topic: eventTopic(this.#o.site, assetId, e.type), payload: JSON.stringify(message), queuedAtMs });
  }

  /** The outbox and broker state; null once the thread is gone. */
  counters(): Promise<EventForwarderCounters | null> {
    if (this.#exited) return Promise.resolve(null);
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      this.#asked.set(seq, resolve);
      this.#worker.postMessage({ kind: 'counters', seq } satisfies ToForwarder);
    });
  }

  /** Hands over what is queued, closes the connection and the outbox (unsent events stay there for the next start). */
  close(): Promise<void> {
    this.#flush();
    this.#closed ??= this.#exited
      ? Promise.resolve()
      : new Promise((resolve) => {
          this.#worker.once('exit', () => resolve());
          this.#worker.postMessage({ kind: 'close' } satisfies ToForwarder);
        });
    return this.#closed;
  }

  #flush(): void {
    if (this.#batch.length === 0 || this.#exited) return;
    const items = this.#batch;
    this.#batch = [];
    this.#worker.postMessage({ kind: 'events', items } satisfies ToForwarder);
  }
}
