import { RecordingActuator } from '../actuate/actuator';
import type { PlantStatus } from '../contract/status';
import { Engine } from '../engine';
import { DemoPlant } from '../ingest/demoPlant';
import type { FrameBus } from '../ingest/frameBus';
import { openStore, type Store } from '../store/openStore';
import { AlarmBoard } from '../alarm/AlarmBoard';
import { FeatureDownsampler } from '../store/featureDownsampler';
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
  /** The live alarm list (ISA-18.2); operator commands reach it through OperatorActions. */
  board: AlarmBoard;
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
  // The operator's alarm list (ISA-18.2 states, journaled) and the 1-second history the backtest reads.
  const board = new AlarmBoard((event) => store.writer.enqueue({ kind: 'appendAlarmJournal', event }));
  const history = new FeatureDownsampler();
  engine.on((e) => {
    board.onEngineEvent(e);
    if (e.type !== 'ScoreComputed') return;
    const rows = history.push(e.assetId, e.channelId, e.endMs, Number.isFinite(e.score) ? e.score : null, Number.isFinite(e.velocityRmsMmS) ? e.velocityRmsMmS : null);
    if (rows.length > 0) store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...rows] });
  });
  for (const r of restored) opts.log?.('restored' in r ? `${r.assetId}/${r.channelId}: resumed production model ${r.restored} from the registry` : `${r.assetId}/${r.channelId}: registry model refused (${r.refused}); commissioning afresh`);
  const feed = feedPlant(engine, plant, clock);
  const timer = setInterval(() => {
    engine.tick(clock());
    board.tick(clock());
    opts.onStatus?.(engine.status());
  }, opts.statusIntervalMs ?? 1000);
  return {
    engine,
    board,
    plant,
    bus: feed.bus,
    store,
    actuator,
    async stop() {
      clearInterval(timer);
      feed.stop();
      await engine.settle();
      const last = history.flush();
      if (last.length > 0) store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...last] });
      await engine.dispose();
      await store.close();
    },
  };
}
