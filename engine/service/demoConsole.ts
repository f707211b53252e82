import { RecordingActuator } from '../actuate/actuator';
import type { PlantStatus } from '../contract/status';
import { Engine } from '../engine';
import { DemoPlant } from '../ingest/demoPlant';
import type { FrameBus } from '../ingest/frameBus';
import { openStore, type Store } from '../store/openStore';
import { feedPlant } from './plantFeed';
import { restoreProductionModels } from './restoreModels';

export interface DemoConsoleOptions {
  /** SQLite file (default .vigil/demo.sqlite); ':memory:' keeps nothing. */
  dbPath?: string;
  seed?: number;
  /** Receives a status snapshot at a fixed rate (never per sample). */
  onStatus?: (status: PlantStatus) => void;
  statusIntervalMs?: number;
  clock?: () => number;
  /** Start-up messages (models resumed from the registry, or refused). */
  log?: (line: string) => void;
}

/** A running console on the demo plant; `stop()` halts the plant, settles the engine and closes the store. */
export interface DemoConsole {
  engine: Engine;
  plant: DemoPlant;
  bus: FrameBus;
  store: Store;
  actuator: RecordingActuator;
  stop(): Promise<void>;
}

/**
 * The embedded default: the simulated demo plant driven in real time through the frame bus into
 * the engine, with incidents stored in SQLite. The Electron worker and `vigil serve` both start
 * exactly this, so the app and the headless console cannot differ.
 */
export async function startDemoConsole(opts: DemoConsoleOptions = {}): Promise<DemoConsole> {
  const clock = opts.clock ?? (() => Date.now());
  const plant = new DemoPlant({ seed: opts.seed ?? 1, startMs: clock() });
  const store = openStore(opts.dbPath ?? '.vigil/demo.sqlite');
  const actuator = new RecordingActuator(clock);
  const engine = await Engine.create({ assets: plant.assets(), clock, actuator, store: (op) => store.writer.enqueue(op), sourceLabel: 'demo plant (simulated)', seed: opts.seed ?? 1 });
  const restored = await restoreProductionModels(engine, store.repo);
  for (const r of restored) opts.log?.('restored' in r ? `${r.assetId}/${r.channelId}: resumed production model ${r.restored} from the registry` : `${r.assetId}/${r.channelId}: registry model refused (${r.refused}); commissioning afresh`);
  const feed = feedPlant(engine, plant, clock);
  const timer = setInterval(() => {
    engine.tick(clock());
    opts.onStatus?.(engine.status());
  }, opts.statusIntervalMs ?? 1000);
  return {
    engine,
    plant,
    bus: feed.bus,
    store,
    actuator,
    async stop() {
      clearInterval(timer);
      feed.stop();
      await engine.settle();
      await engine.dispose();
      await store.close();
    },
  };
}
