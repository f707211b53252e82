import type { Frame } from '../contract';
import type { Engine } from '../engine';
import type { DemoPlant, DemoPlantOptions } from '../ingest/demoPlant';
import { FrameBus } from '../ingest/frameBus';
import { PlantDriver } from '../ingest/plantDriver';
import { startModuleWorker } from '../util/startModuleWorker';
import { EmbeddedBroker } from '../connect/mqtt/EmbeddedBroker';
import { MqttSource } from '../connect/mqtt/MqttSource';
import type { PlantWorkerData } from './plantWorker';

/** A running real-time feed from a simulated plant into an engine. */
export interface PlantFeed {
  bus: FrameBus;
  stop(): void;
}

/**
 * Drives `plant` in real time through a frame bus into `engine`; drops are counted by ingest as
 * `overflow`. The bus hands over one frame per event-loop turn, so the ONNX completions and
 * decisions of a frame's windows are not queued behind the feature extraction of the frames after
 * it (measured with `npm run bench`: decision p99 24 ms → 7 ms at the 7-machine load).
 */
export function feedPlant(engine: Engine, plant: DemoPlant, clock: () => number): PlantFeed {
  const bus = new FrameBus((f) => engine.accept(f), { batchSize: 1, onDrop: (f) => engine.ingest.countRejected(f.assetId, f.channelId, 'overflow') });
  const driver = new PlantDriver({ plant, sink: (f) => bus.offer(f), clock });
  driver.start();
  return {
    bus,
    stop() {
      driver.dispose();
      bus.dispose();
    },
  };
}

/**
 * The same feed with the simulated plant in a thread of its own (`plantWorker.ts`): generating 32
 * machines' frames takes tens of ms per frame period, which on the engine's thread would delay
 * whatever waits behind it (an emergency stop among them). Real sensors are outside the engine's
 * thread too. `options` must describe the same plant the engine was configured from.
 */
export function feedPlantThread(engine: Engine, options: DemoPlantOptions, onError: (message: string) => void): PlantFeed {
  const bus = new FrameBus((f) => engine.accept(f), { batchSize: 1, onDrop: (f) => engine.ingest.countRejected(f.assetId, f.channelId, 'overflow') });
  const worker = startModuleWorker(import.meta.url, 'plantWorker', { workerData: options });
  let stopping = false;
  worker.on('message', (frames: Frame[]) => {
    for (const f of frames) bus.offer(f);
  });
  worker.on('error', (err) => onError(`the simulated plant's thread failed: ${err.message}`));
  worker.on('exit', (code) => {
    // Its channels go stale (no frames): the console shows it, and protection's quality policies apply.
    if (!stopping) onError(`the simulated plant's thread exited (code ${code}): its channels will go stale`);
  });
  return {
    bus,
    stop() {
      stopping = true;
      worker.postMessage('stop');
      void worker.terminate();
      bus.dispose();
    },
  };
}

/** A feed through an MQTT broker; `source` shows what arrived and what was refused. */
export interface MqttPlantFeed extends PlantFeed {
  source: MqttSource;
  /** The broker's URL, and whether it is the embedded one (stopped with the feed). */
  url: string;
  embedded: boolean;
}

/**
 * The simulated plant through an MQTT broker, as a real plant's sensor gateways publish: the plant
 * thread publishes each frame on its wave topic, and the engine takes them from the broker with
 * `MqttSource`, counted, sequence-checked and stale when the broker goes away. Without `url` the
 * broker is Vigil's embedded one (aedes, MQTT 3.1.1, its own thread); with one, that broker
 * (MQTT 5 unless `protocolVersion` says 4).
 */
export async function feedPlantMqtt(engine: Engine, options: DemoPlantOptions, o: { url?: string; protocolVersion?: 4 | 5; site?: string; log: (message: string) => void }): Promise<MqttPlantFeed> {
  const broker = o.url ? null : await EmbeddedBroker.start();
  const url = o.url ?? broker!.url;
  const protocolVersion = o.protocolVersion ?? (broker ? 4 : 5);
  const site = o.site ?? 'demo';
  const bus = new FrameBus((f) => engine.accept(f), { batchSize: 1, onDrop: (f) => engine.ingest.countRejected(f.assetId, f.channelId, 'overflow') });
  let source: MqttSource;
  try {
    source = await MqttSource.connect({ url, site, protocolVersion, clientId: `vigil-engine-${process.pid}`, sink: { frame: (f) => bus.offer(f), vector: (v) => engine.acceptVector(v), value: () => {} }, log: o.log });
  } catch (err) {
    bus.dispose();
    await broker?.close();
    throw err;
  }
  const data: PlantWorkerData = { ...options, mqtt: { url, site, protocolVersion } };
  const worker = startModuleWorker(import.meta.url, 'plantWorker', { workerData: data });
  let stopping = false;
  worker.on('message', (m: { kind?: string; message?: string }) => m.kind === 'error' && o.log(m.message ?? 'demo plant publisher error'));
  worker.on('error', (err) => o.log(`the simulated plant's thread failed: ${err.message}`));
  worker.on('exit', (code) => {
    if (!stopping) o.log(`the simulated plant's thread exited (code ${code}): its channels will go stale`);
  });
  o.log(`demo plant publishing to ${broker ? `the embedded MQTT broker at ${url}` : url} (site ${site}); the engine subscribes there`);
  return {
    bus,
    source,
    url,
    embedded: broker !== null,
    stop() {
      stopping = true;
      worker.postMessage('stop');
      void worker.terminate();
      void source.dispose().then(() => broker?.close());
      bus.dispose();
    },
  };
}
