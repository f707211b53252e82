import { RecordingActuator, type Actuator } from '../actuate/actuator';
import type { PlantStatus } from '../contract/status';
import { Engine } from '../engine';
import { DemoPlant } from '../ingest/demoPlant';
import type { MachineSpec } from '../ingest/simulator';
import type { FrameBus } from '../ingest/frameBus';
import { openStore, type Store } from '../store/openStore';
import { AlarmBoard } from '../alarm/AlarmBoard';
import { FeatureDownsampler } from '../store/featureDownsampler';
import { Accounts } from '../auth/Accounts';
import { BacktestWorkerHost } from '../config/BacktestWorkerHost';
import { ConfigService, type StartOutcome } from '../config/ConfigService';
import { feedPlant, feedPlantMqtt, feedPlantThread, type MqttPlantFeed } from './plantFeed';
import { OperatorActions } from './OperatorActions';
import { LiveViews } from './liveView';
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
  /** Days of 1-second feature history kept for backtests (default 90); older seconds are deleted hourly. */
  historyRetentionDays?: number;
  /** The machines of the plant (default: the seven demo machines); benchmarks run more. */
  machines?: MachineSpec[];
  /** Where trips go (default: a built-in recorder in this thread); the engine thread passes its trip output thread's port. */
  actuator?: Actuator;
  /**
   * Run the plant's data through an MQTT broker: `{}` for Vigil's embedded broker, `{ url }` for
   * another (see feedPlantMqtt). Absent: the plant thread hands frames to the engine directly.
   */
  mqtt?: { url?: string; protocolVersion?: 4 | 5; site?: string };
}

const HOUR_MS = 3_600_000;

/** A running console on the demo plant; `stop()` halts the plant, settles the engine and closes the store. */
export interface DemoConsole {
  engine: Engine;
  /** The live alarm list (ISA-18.2); operator commands reach it through OperatorActions. */
  board: AlarmBoard;
  /** Local users and roles, and the audit trail every plant-changing action is written to. */
  accounts: Accounts;
  /** People's plant actions (reset, bypass, acknowledge, shelve, models, feedback), authorised and audited. */
  actions: OperatorActions;
  /** Managed changes of the protection configuration (propose, backtest, approve, apply, revert). */
  configs: ConfigService;
  /** The asset page's live data: the latest window per channel and the recent score trend, built into a view on request. */
  live: LiveViews;
  plant: DemoPlant;
  bus: FrameBus;
  store: Store;
  /** Where trips go: the `actuator` option, or a built-in `RecordingActuator`. */
  actuator: Actuator;
  /** The MQTT path, when the plant runs through a broker (`mqtt` option): its source's counters and the broker. */
  mqtt: Pick<MqttPlantFeed, 'source' | 'url' | 'embedded'> | null;
  stop(): Promise<void>;
}

/**
 * The embedded default: the simulated demo plant driven in real time through the frame bus into
 * the engine, with incidents stored in SQLite. The Electron worker and `vigil serve` both start
 * exactly this, so the app and the headless console cannot differ.
 */
export async function startDemoConsole(opts: DemoConsoleOptions = {}): Promise<DemoConsole> {
  const clock = opts.clock ?? (() => Date.now());
  const plantOptions = { seed: opts.seed ?? 1, startMs: clock(), ...(opts.machines ? { machines: opts.machines } : {}) };
  const plant = new DemoPlant(plantOptions);
  const store = openStore(opts.dbPath ?? '.vigil/demo.sqlite', { thread: 'worker' });
  const actuator = opts.actuator ?? new RecordingActuator(clock);
  const engine = await Engine.create({ assets: plant.assets(), clock, actuator, store: (op) => store.writer.enqueue(op), sourceLabel: opts.mqtt ? `demo plant (simulated) via MQTT${opts.mqtt.url ? ` at ${opts.mqtt.url}` : ' (embedded broker)'}` : 'demo plant (simulated)', seed: opts.seed ?? 1 });
  const live = new LiveViews(engine, clock);
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
  const accounts = new Accounts(store.db);
  const actions = new OperatorActions(engine, store.repo, accounts, board, clock);
  // The configuration versions reference the assets: they must be on disk before the stored versions are put in force.
  await store.writer.flush();
  // The backtest of a proposal reads weeks of history: in its own thread, never on the engine's.
  const backtests = store.db.memory ? null : new BacktestWorkerHost(store.db.name);
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock, ...(backtests ? { backtest: backtests.run } : {}) });
  for (const o of configs.start()) opts.log?.(describeStart(o));
  for (const r of restored) opts.log?.('restored' in r ? `${r.assetId}/${r.channelId}: resumed production model ${r.restored} from the registry` : `${r.assetId}/${r.channelId}: registry model refused (${r.refused}); commissioning afresh`);
  const retentionMs = (opts.historyRetentionDays ?? 90) * 24 * HOUR_MS;
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = (): void => {
    pruning = store.repo.history.prune(clock() - retentionMs).then(
      (n) => n > 0 && opts.log?.(`feature history: ${n} seconds older than ${opts.historyRetentionDays ?? 90} days deleted`),
      (err: unknown) => opts.log?.(`feature history retention failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  prune();
  const retention = setInterval(prune, HOUR_MS);
  retention.unref();
  // On the wall clock the simulated plant runs in its own thread (as real sensors are outside the
  // engine's); a test's own clock drives it here, in step.
  const log = (m: string): void => opts.log?.(m);
  const viaMqtt = !opts.clock && opts.mqtt ? await feedPlantMqtt(engine, plantOptions, { ...opts.mqtt, log }) : null;
  const feed = opts.clock ? feedPlant(engine, plant, clock) : (viaMqtt ?? feedPlantThread(engine, plantOptions, log));
  const timer = setInterval(() => {
    engine.tick(clock());
    board.tick(clock());
    for (const r of configs.tick(clock())) opts.log?.(`${r.assetId}: automatic revert ${r.versionId ? `to ${r.versionId}` : 'failed'}${r.error ? `: ${r.error}` : ''}`);
    opts.onStatus?.(engine.status());
  }, opts.statusIntervalMs ?? 1000);
  return {
    engine,
    board,
    accounts,
    actions,
    configs,
    live,
    plant,
    bus: feed.bus,
    store,
    actuator,
    mqtt: viaMqtt && { source: viaMqtt.source, url: viaMqtt.url, embedded: viaMqtt.embedded },
    async stop() {
      clearInterval(timer);
      clearInterval(retention);
      feed.stop();
      await pruning;
      await backtests?.dispose();
      await engine.settle();
      const last = history.flush();
      if (last.length > 0) store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...last] });
      live.dispose();
      await engine.dispose();
      await store.close();
    },
  };
}

/** One start-up line per asset: which protection configuration is in force, and why. */
function describeStart(o: StartOutcome): string {
  if (o.outcome === 'applied') return `${o.assetId}: protection config ${o.versionId} in force${o.notes.length > 0 ? ` (${o.notes.join('; ')})` : ''}`;
  if (o.outcome === 'stored-initial') return `${o.assetId}: built-in protection config stored as ${o.versionId}`;
  return `${o.assetId}: stored protection config ${o.versionId ?? ''} refused (${o.reason}); in force: ${o.inForce ?? 'built-in, changes blocked until the store is repaired'}`;
}
