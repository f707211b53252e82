import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { RecordingActuator, type TripCommand } from './actuator';
import { TripOutputStage } from './tripOutput';
import { startPlantTripOutputs } from '../connect/plantTripOutputs';
import type { EngineToOutput, FromOutput, OutputToEngine, ToOutput, TripOutputWorkerData } from './tripOutputProtocol';

/**
 * The trip output thread: it owns the actuator and does nothing else, so a trip or an emergency
 * stop goes out on the turn its message arrives, however busy the engine thread (scoring 32
 * machines) or the host thread (serving screens) are. The host thread sends operator stops
 * straight here; the engine thread sends its protection trips, and its own copy of each operator
 * stop (to latch and audit it), through the port of the latest `engine` message. The stage sends each
 * stop once. Started by `TripOutputThread`.
 */
const host = parentPort;
if (!host) throw new Error('tripOutputWorker.ts is a worker thread entry: start it with TripOutputThread');
const post = (m: FromOutput): void => host.postMessage(m);
const { plant, pkiFolder } = (workerData ?? {}) as TripOutputWorkerData;
// A plant's outputs connect in the background: the thread is ready at once, and trips sent before
// an output is connected fail with the reason (nothing waits, nothing is queued).
const outputs = plant ? startPlantTripOutputs(plant, { log: (line) => post({ kind: 'log', line }), ...(pkiFolder ? { pkiFolder } : {}) }) : null;
const recorder = outputs?.recorder ?? new RecordingActuator(() => Date.now());
const stage = new TripOutputStage(outputs?.actuator ?? recorder);
if (outputs) for (const line of outputs.describe()) post({ kind: 'log', line: `trip output: ${line}` });

function send(cmds: TripCommand[]): void {
  const receipts = [];
  for (const cmd of cmds) {
    try {
      const r = stage.send(cmd);
      if (r.commandId !== null) receipts.push(r);
    } catch (err) {
      post({ kind: 'failed', commandId: cmd.commandId ?? null, assetId: cmd.assetId, message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (receipts.length > 0) post({ kind: 'commanded', receipts });
}

let engine: MessagePort | null = null;
function listen(port: MessagePort): void {
  engine?.close();
  engine = port;
  port.on('message', (m: EngineToOutput) => {
    if (m.kind === 'trip') send([m.cmd]);
  });
  tellEngine();
}

/** The outputs' connections for the engine thread's status (a plant's only; the recorder has none). */
function tellEngine(): void {
  if (outputs) engine?.postMessage({ kind: 'outputs', outputs: outputs.connections() } satisfies OutputToEngine);
}
if (outputs) setInterval(tellEngine, 1000).unref();

host.on('message', (m: ToOutput) => {
  switch (m.kind) {
    case 'stop':
      send(m.assetIds.map((assetId) => ({ assetId, decidedAtMs: m.decidedAtMs, reason: m.reason, commandId: m.commandId })));
      break;
    case 'engine':
      listen(m.port);
      break;
    case 'trips':
      post({ kind: 'trips', seq: m.seq, trips: [...recorder.trips()] });
      break;
    case 'close':
      void (outputs?.dispose() ?? Promise.resolve()).finally(() => {
        host.close();
        process.exit(0);
      });
  }
});
post({ kind: 'ready', actuator: stage.actuatorName });
