import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../util/startModuleWorker';

/** What the benchmark's server holds: `assets` trip variables (`ns=1;s=m<i>.trip`) and `channels` waveform variables (`ns=1;s=bench.ch<c>`). */
export interface OpcuaBenchServerPlan {
  assets: number;
  channels: number;
  /** Samples per waveform block. */
  samples: number;
  /** A new block on every channel every `blockMs` while pumping. */
  blockMs: number;
}

/** Main → server thread. */
export type ToBenchServer = { kind: 'pump' } | { kind: 'stopPump' } | { kind: 'stop' };
/** Server thread → main. A write is timed on the server thread's receipt (process.hrtime: one clock in every thread). */
export type FromBenchServer =
  | { kind: 'ready'; endpointUrl: string }
  | { kind: 'written'; assetId: string; value: boolean; atNs: bigint }
  | { kind: 'pumped'; blocks: number[] }
  | { kind: 'stopped' };

/** The benchmark's OPC UA server, running in its own thread. */
export interface OpcuaBenchServer {
  endpointUrl: string;
  /** Calls `listener` with every trip write the server applies. */
  onWritten(listener: (w: { assetId: string; value: boolean; atNs: bigint }) => void): void;
  /** Starts publishing a block on every channel every `blockMs`, each stamped with the time it was set. */
  pump(): void;
  /** Stops publishing; resolves with the blocks published per channel. */
  stopPump(): Promise<number[]>;
  stop(): Promise<void>;
}

function next<T extends FromBenchServer['kind']>(w: Worker, kind: T, timeoutMs: number): Promise<Extract<FromBenchServer, { kind: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      w.off('message', on);
      reject(new Error(`the OPC UA benchmark server sent no ${kind} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m: FromBenchServer): void => {
      if (m.kind !== kind) return;
      clearTimeout(timer);
      w.off('message', on);
      resolve(m as Extract<FromBenchServer, { kind: T }>);
    };
    w.on('message', on);
  });
}

/**
 * Starts a node-opcua server in a worker thread, for the OPC UA benchmark: the peer of a trip
 * output and a source as a gateway or PLC would be, with an event loop of its own, so neither
 * side's work delays the other's timing.
 */
export async function startOpcuaBenchServer(plan: OpcuaBenchServerPlan): Promise<OpcuaBenchServer> {
  const w = startModuleWorker(import.meta.url, 'opcuaBenchServerWorker', { workerData: plan });
  const failed = new Promise<never>((_, reject) => {
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the OPC UA benchmark server thread exited with code ${code}`)));
  });
  failed.catch(() => {});
  let ready: FromBenchServer & { kind: 'ready' };
  try {
    ready = await Promise.race([next(w, 'ready', 60_000), failed]);
  } catch (err) {
    await w.terminate();
    throw err;
  }
  return {
    endpointUrl: ready.endpointUrl,
    onWritten: (listener) => w.on('message', (m: FromBenchServer) => m.kind === 'written' && listener(m)),
    pump: () => w.postMessage({ kind: 'pump' } satisfies ToBenchServer),
    stopPump: async () => {
      const done = next(w, 'pumped', 10_000);
      w.postMessage({ kind: 'stopPump' } satisfies ToBenchServer);
      return (await done).blocks;
    },
    stop: async () => {
      const done = next(w, 'stopped', 10_000).catch(() => {});
      w.postMessage({ kind: 'stop' } satisfies ToBenchServer);
      await done;
      await w.terminate();
    },
  };
}
