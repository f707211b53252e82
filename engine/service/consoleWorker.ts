import { parentPort, workerData } from 'node:worker_threads';
import { PortActuator } from '../actuate/PortActuator';
import { demoMachines } from '../ingest/demoMachines';
import { tuneGcForLatency } from '../util/gcTuning';
import { ConsoleHost } from './ConsoleHost';
import type { PlantStatus } from '../contract/status';
import type { RunningConsole } from './consoleCore';
import { startDemoConsole } from './demoConsole';
import { startPlantConsole } from './plantConsole';
import type { ConsoleWorkerData, EngineCall, FromEngine, ToEngine } from './engineThreadProtocol';

/**
 * The engine thread of the console: the plant's feed (the demo plant, or a plant file's sources
 * and watchdog heartbeat), the engine, the store's writer, the users and the console protocol
 * (`ConsoleHost`) run here, so nothing the host thread does (HTTP, WebSocket,
 * IPC, serialising the status for every screen) can delay a trip decision or an emergency stop.
 * Started by `EngineThread`; see `engineThreadProtocol.ts` for the messages.
 */
const port = parentPort;
if (!port) throw new Error('consoleWorker.ts is a worker thread entry: start it with EngineThread');
const data = (workerData ?? {}) as ConsoleWorkerData;
tuneGcForLatency();
const post = (m: FromEngine): void => port.postMessage(m);

function call(host: ConsoleHost, c: EngineCall): unknown {
  switch (c.op) {
    case 'handle':
      return host.handle(c.token, c.raw, c.sent);
    case 'signIn':
      return host.signIn(c.input, c.origin);
    case 'setup':
      return host.setup(c.input, c.origin);
    case 'needsSetup':
      return host.needsSetup();
    case 'signOut':
      return host.signOut(c.token);
    case 'sessions':
      return host.sessions(c.tokens);
  }
}

async function main(): Promise<void> {
  let running: RunningConsole;
  const output = data.output ? new PortActuator(data.output, () => Date.now()) : null;
  const common = {
    ...(output ? { actuator: output } : {}),
    dbPath: data.dbPath,
    seed: data.seed,
    statusIntervalMs: data.statusIntervalMs ?? 500,
    log: (line: string) => post({ kind: 'log', line }),
    onStatus: (status: PlantStatus) => post({ kind: 'status', status }),
  };
  try {
    running = data.plant
      ? await startPlantConsole(data.plant.config, data.plant.assets, { ...common, outputs: () => output?.outputs() ?? [], ...(data.plant.engineId ? { engineId: data.plant.engineId } : {}) })
      : await startDemoConsole({
          ...common,
          ...(data.machineCount === undefined ? {} : { machines: demoMachines(data.machineCount) }),
          ...(data.mqtt === undefined ? {} : { mqtt: data.mqtt }),
        });
  } catch (err) {
    post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  const host = new ConsoleHost(running, data.sessionTtlMs === undefined ? {} : { sessionTtlMs: data.sessionTtlMs });
  port!.on('message', (m: ToEngine) => {
    if (m.kind === 'output') {
      output?.relink(m.link);
      return;
    }
    if (m.kind === 'stop') {
      void running.stop().then(
        () => post({ kind: 'stopped' }),
        (err: unknown) => post({ kind: 'log', line: `stopping the engine failed: ${err instanceof Error ? err.message : String(err)}` }),
      ).finally(() => port!.close());
      return;
    }
    // The trip path: `handle` reaches the actuator on this turn, before its first await.
    Promise.resolve()
      .then(() => call(host, m.call))
      .then(
        (value) => post({ kind: 'result', seq: m.seq, value }),
        (err: unknown) => post({ kind: 'error', seq: m.seq, message: err instanceof Error ? err.message : String(err) }),
      );
  });
  post({ kind: 'ready', machines: running.engine.assetIds().length, needsSetup: host.needsSetup() });
  post({ kind: 'status', status: running.engine.status() });
}

void main();
