import { parentPort, workerData } from 'node:worker_threads';
import { startDemoConsole } from '../engine/service/demoConsole';

/**
 * The engine's thread inside the app: runs the demo plant (the embedded default) through the same
 * engine as the CLI and posts a status snapshot to main at a fixed rate.
 */
const { dbPath } = (workerData ?? {}) as { dbPath?: string };
void startDemoConsole({
  dbPath,
  onStatus: (status) => parentPort?.postMessage(status),
});
