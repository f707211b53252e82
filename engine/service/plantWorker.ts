import mqtt from 'mqtt';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeWave } from '../connect/mqtt/frameCodec';
import { waveTopic } from '../connect/mqtt/topics';
import type { Frame } from '../contract';
import { DemoPlant, type DemoPlantOptions } from '../ingest/demoPlant';
import { PlantDriver } from '../ingest/plantDriver';

/** Where the plant's frames go: to the engine's thread (default), or published to an MQTT broker as a sensor gateway would. */
export interface PlantWorkerData extends DemoPlantOptions {
  mqtt?: { url: string; site: string; protocolVersion: 4 | 5 };
}

/**
 * The simulated plant's own thread: its machines and data acquisition, as real sensors are outside
 * the engine's thread. Each due frame set is posted to the engine's thread as one message, the
 * sample buffers transferred, not copied; or, with `mqtt`, each frame is published on its wave
 * topic in the binary payload (QoS 0), with a sequence number per channel. Started by
 * `feedPlantThread` or `feedPlantMqtt` (engine/service/plantFeed.ts).
 */
const port = parentPort;
if (!port) throw new Error('plantWorker.ts is a worker thread entry: start it with feedPlantThread');
const data = workerData as PlantWorkerData;
// Plant time starts now, when acquisition starts: frames are stamped with when they were measured.
const plant = new DemoPlant({ ...data, startMs: Date.now() });

function postToEngine(): (f: Frame) => void {
  let batch: Frame[] = [];
  const flush = (): void => {
    const frames = batch;
    batch = [];
    port!.postMessage(frames, frames.map((f) => f.samples.buffer as ArrayBuffer));
  };
  return (f) => {
    if (batch.length === 0) queueMicrotask(flush);
    batch.push(f);
  };
}

function publishTo(o: NonNullable<PlantWorkerData['mqtt']>): { sink: (f: Frame) => void; close: () => void } {
  const client = mqtt.connect(o.url, { protocolVersion: o.protocolVersion, clientId: `vigil-demo-plant-${process.pid}`, reconnectPeriod: 1000, queueQoSZero: false });
  client.on('connect', () => (client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined)?.setNoDelay?.(true));
  client.on('error', (err) => port!.postMessage({ kind: 'error', message: `demo plant publisher: ${err.message}` }));
  const seq = new Map<string, number>();
  return {
    // While the broker is away frames are not published (a gateway without a buffer): the channels go stale.
    sink: (f) => {
      if (!client.connected) return;
      const topic = waveTopic(o.site, f.assetId, f.channelId);
      const n = (seq.get(topic) ?? -1) + 1;
      seq.set(topic, n >>> 0);
      client.publish(topic, encodeWave({ seq: n >>> 0, startMs: f.startMs, sampleRateHz: f.sampleRateHz, samples: f.samples, ...(f.shaftHz === undefined ? {} : { shaftHz: f.shaftHz }) }), { qos: 0 });
    },
    close: () => void client.end(true),
  };
}

const out = data.mqtt ? publishTo(data.mqtt) : { sink: postToEngine(), close: () => {} };
const driver = new PlantDriver({ plant, clock: () => Date.now(), sink: out.sink });
driver.start();
port.on('message', (m: unknown) => {
  if (m === 'stop') {
    driver.dispose();
    out.close();
    port.close();
  }
});
