import { parentPort, workerData } from 'node:worker_threads';
import { MqttControllerPeer } from '../connect/mqtt/output/MqttControllerPeer';

/** Main → controller thread. */
export type ToController = { kind: 'reset'; assetId: string } | { kind: 'stop' };
/** Controller thread → main: a latch, timed on this thread's receipt (process.hrtime, ns). */
export type FromController = { kind: 'ready' } | { kind: 'latched'; assetId: string; atNs: bigint; cause: string } | { kind: 'stopped' };

/**
 * The MQTT benchmark's plant controller in a thread of its own, so the time a trip command is
 * observed there is not held up by the engine's work on the benchmark's main thread.
 */
const port = parentPort!;
const o = workerData as { url: string; site: string };
const peer = await MqttControllerPeer.start({ url: o.url, site: o.site });
peer.onLatch((l) => port.postMessage({ kind: 'latched', assetId: l.assetId, atNs: process.hrtime.bigint(), cause: l.cause } satisfies FromController));
port.on('message', (m: ToController) => {
  if (m.kind === 'reset') peer.reset(m.assetId);
  else
    void peer.dispose().then(() => {
      port.postMessage({ kind: 'stopped' } satisfies FromController);
      process.exit(0);
    });
});
port.postMessage({ kind: 'ready' } satisfies FromController);
