import { parentPort, workerData } from 'node:worker_threads';
import { startDemoConsole } from '../engine/service/demoConsole';

/**
 * The engine's thread inside the app: runs the demo plant (the embedded default) through the same
 * engine as the CLI and posts a status snapshot to main at a fixed rate.
 */
const argv = (workerData as { argv?: string[] } | undefined)?.argv ?? [];
const dbArg = argv.find((a) => a.startsWith('--db='));
void startDemoConsole({
  dbPath: dbArg ? dbArg.slice('--db='.length) : undefined,
  onStatus: (status) => parentPort?.postMessage(status),
});
