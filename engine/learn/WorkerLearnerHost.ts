import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../util/startModuleWorker';
import type { LearnerReply, LearnerRequest } from './learnerProtocol';
import type { LearnerApi, LearnerKey, LearnerSnapshot } from './LearnerService';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Body = LearnerRequest extends infer R ? (R extends LearnerRequest ? Omit<R, 'seq'> : never) : never;

/**
 * The engine's side of the learner thread: each LearnerApi call becomes a typed request with a
 * sequence number, answered `{ok, value | error}` (the Signal Desktop pattern). If the thread dies,
 * every pending call fails with the reason and later calls fail at once: production keeps scoring
 * with the model it has, only learning stops.
 */
export class WorkerLearnerHost implements LearnerApi {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private dead: Error | null = null;

  constructor(private readonly onError: (err: Error) => void = () => {}) {
    this.worker = startModuleWorker(import.meta.url, 'learnerWorker');
    this.worker.on('message', (r: LearnerReply) => this.reply(r));
    this.worker.on('error', (err) => this.die(err));
    this.worker.on('exit', (code) => this.die(new Error(`learner thread exited with code ${code}`)));
  }

  fit(key: LearnerKey, vectors: Float32Array[], featureNames: readonly string[], seed: number): Promise<LearnerSnapshot> {
    return this.call({ method: 'fit', key, vectors, featureNames: [...featureNames], seed }) as Promise<LearnerSnapshot>;
  }
  async restore(key: LearnerKey, learner: unknown): Promise<void> {
    await this.call({ method: 'restore', key, learner });
  }
  learn(key: LearnerKey, vectors: Float32Array[]): void {
    if (this.dead) return;
    this.worker.postMessage({ seq: 0, method: 'learn', key, vectors } satisfies LearnerRequest);
  }
  score(key: LearnerKey, vectors: Float32Array[]): Promise<Float32Array> {
    return this.call({ method: 'score', key, vectors }) as Promise<Float32Array>;
  }
  snapshot(key: LearnerKey): Promise<LearnerSnapshot> {
    return this.call({ method: 'snapshot', key }) as Promise<LearnerSnapshot>;
  }
  async drop(key: LearnerKey): Promise<void> {
    await this.call({ method: 'drop', key });
  }
  async dispose(): Promise<void> {
    this.die(new Error('learner host disposed'));
    await this.worker.terminate();
  }

  private call(body: Body): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ ...body, seq } as LearnerRequest);
    });
  }

  private reply(r: LearnerReply): void {
    if (r.seq === 0) {
      if (!r.ok) this.onError(new Error(`online learning failed: ${r.error}`));
      return;
    }
    const p = this.pending.get(r.seq);
    if (!p) return;
    this.pending.delete(r.seq);
    if (r.ok) p.resolve(r.value);
    else p.reject(new Error(r.error));
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
