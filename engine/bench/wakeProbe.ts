import { Worker } from 'node:worker_threads';

/** The probe's thread: it answers each message with the time it woke to it. */
const PROBE_THREAD = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (sentNs) => parentPort.postMessage(Number(process.hrtime.bigint() - sentNs) / 1e6));
`;

/**
 * How long this machine takes to wake an idle thread while it runs the console: every `periodMs`
 * a message goes to a thread that does nothing else, and the probe records the ms until that
 * thread ran. Nothing of Vigil is on this path, so it is the floor under any cross-thread hop
 * (the e-stop crosses two: browser to host thread, host thread to trip output thread). On an
 * idle machine it is well under a millisecond; under load, a virtual machine whose idle cores
 * halt wakes them late.
 */
export function startWakeProbe(periodMs = 20): { stop(): Promise<number[]> } {
  const worker = new Worker(PROBE_THREAD, { eval: true });
  const delaysMs: number[] = [];
  worker.on('message', (ms: number) => delaysMs.push(ms));
  const timer = setInterval(() => worker.postMessage(process.hrtime.bigint()), periodMs);
  return {
    async stop() {
      clearInterval(timer);
      await new Promise((r) => setTimeout(r, periodMs));
      await worker.terminate();
      return delaysMs;
    },
  };
}
