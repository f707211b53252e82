import { RecordingActuator, type Actuator } from '../actuate/actuator';
import type { AssetConfig } from '../contract/asset';
import type { PlantStatus } from '../contract/status';
import { Engine } from '../engine';
import { openStore, type Store } from '../store/openStore';
import { AlarmBoard } from '../alarm/AlarmBoard';
import { FeatureDownsampler } from '../store/featureDownsampler';
import { Accounts } from '../auth/Accounts';
import { BacktestWorkerHost } from '../config/BacktestWorkerHost';
import { ConfigService, type StartOutcome } from '../config/ConfigService';
import { OperatorActions } from './OperatorActions';
import { LiveViews } from './liveView';
import { restoreProductionModels } from './restoreModels';

/** What every console takes, whatever feeds its plant. */
export interface ConsoleOptions {
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
  /** Where trips go (default: a built-in recorder in this thread); the engine thread passes its trip output thread's port. */
  actuator?: Actuator;
}

/** A running plant feed: started once the console is ready, stopped first when it stops. */
export interface ConsoleFeed {
  stop(): void | Promise<void>;
}

/** A running console; `stop()` halts the feed, settles the engine and closes the store. */
export interface RunningConsole {
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
  store: Store;
  /** Where trips go: the `actuator` option, or a built-in `RecordingActuator`. */
  actuator: Actuator;
  stop(): Promise<void>;
}

/** What differs between consoles: the plant's machines, its label, and what feeds it. */
export interface ConsolePlant<F extends ConsoleFeed> {
  assets: AssetConfig[];
  /** How the status names the data's origin ("demo plant (simulated)", "plant north-works"). */
  sourceLabel: string;
  /** Threads computing features beside the engine's (EngineOptions.featureThreads); default 0. */
  featureThreads?: number;
  /** Starts the feed into the engine; called once the store, models and configurations are in place. */
  feed(engine: Engine, clock: () => number): F | Promise<F>;
}

const HOUR_MS = 3_600_000;

/**
 * The console around an engine, the same for the demo plant and a configured one: the store, the
 * alarm board, the 1-second history the backtests read, users and audit, the managed protection
 * configurations, restored production models, the status tick and history retention. The plant's
 * feed starts last, when everything it could reach is ready, and stops first.
 */
export async function startConsoleCore<F extends ConsoleFeed>(plant: ConsolePlant<F>, opts: ConsoleOptions): Promise<RunningConsole & { feed: F }> {
  const clock = opts.clock ?? (() => Date.now());
  const store = openStore(opts.dbPath ?? '.vigil/demo.sqlite', { thread: 'worker' });
  const actuator = opts.actuator ?? new RecordingActuator(clock);
  const engine = await Engine.create({ assets: plant.assets, clock, actuator, store: (op) => store.writer.enqueue(op), sourceLabel: plant.sourceLabel, seed: opts.seed ?? 1, featureThreads: plant.featureThreads ?? 0 });
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
  let feed: F;
  try {
    feed = await plant.feed(engine, clock);
  } catch (err) {
    clearInterval(retention);
    await backtests?.dispose();
    live.dispose();
    await engine.dispose();
    await store.close();
    throw err;
  }
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
    store,
    actuator,
    feed,
    async stop() {
      clearInterval(timer);
      clearInterval(retention);
      await feed.stop();
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
