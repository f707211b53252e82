import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../util/startModuleWorker';

/**
 * An MQTT broker inside Vigil (aedes in a thread of its own, MQTT 3.1.1, 127.0.0.1 only): the
 * demo plant publishes its frames there and the engine subscribes, so the whole MQTT path runs
 * with no external service. A plant uses its own broker instead (mosquitto, EMQX, HiveMQ: MQTT 5).
 */
export class EmbeddedBroker {
  private constructor(
    private readonly worker: Worker,
    readonly port: number,
  ) {}

  /** Starts the broker on `port` (default: a free one) and resolves once it listens. */
  static start(o: { port?: number } = {}): Promise<EmbeddedBroker> {
    const worker = startModuleWorker(import.meta.url, 'embeddedBrokerWorker', { workerData: { listenPort: o.port ?? 0 } });
    return new Promise((resolve, reject) => {
      worker.once('error', (err) => reject(new Error(`the embedded MQTT broker did not start: ${err.message}`)));
      worker.once('exit', (code) => reject(new Error(`the embedded MQTT broker exited (code ${code}) before listening`)));
      worker.once('message', (m: { kind: string; port?: number; message?: string }) => {
        if (m.kind === 'listening') resolve(new EmbeddedBroker(worker, m.port!));
        else reject(new Error(`the embedded MQTT broker did not start: ${m.message ?? m.kind}`));
      });
    });
  }

  /** mqtt://127.0.0.1:<port> */
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Stops listening and closes every client; resolves when the thread has ended. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => void this.worker.terminate(), 5000);
      this.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage('close');
    });
  }
}
