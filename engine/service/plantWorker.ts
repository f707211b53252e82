import { parentPort, workerData } from 'node:worker_threads';
import type { Frame } from '../contract';
import { DemoPlant, type DemoPlantOptions } from '../ingest/demoPlant';
import { PlantDriver } from '../ingest/plantDriver';

/**
 * The simulated plant's own thread: its machines and data acquisition, as real sensors are outside
 * the engine's thread. Each due frame set is posted to the engine's thread as one message, the
 * sample buffers transferred, not copied. Started by `feedPlantThread` (engine/service/plantFeed.ts).
 */
const port = parentPort;
if (!port) throw new Error('plantWorker.ts is a worker thread entry: start it with feedPlantThread');
// Plant time starts now, when acquisition starts: frames are stamped with when they were measured.
const plant = new DemoPlant({ ...(workerData as DemoPlantOptions), startMs: Date.now() });
let batch: Frame[] = [];
const flush = (): void => {
  const frames = batch;
  batch = [];
  port.postMessage(frames, frames.map((f) => f.samples.buffer as ArrayBuffer));
};
const driver = new PlantDriver({
  plant,
  clock: () => Date.now(),
  sink: (f) => {
    if (batch.length === 0) queueMicrotask(flush);
    batch.push(f);
  },
});
driver.start();
port.on('message', (m: unknown) => {
  if (m === 'stop') {
    driver.dispose();
    port.close();
  }
});
