import { RecordingActuator } from '../../engine/actuate/actuator';
import { AlarmBoard } from '../../engine/alarm/AlarmBoard';
import { Accounts } from '../../engine/auth/Accounts';
import { ConfigService } from '../../engine/config/ConfigService';
import type { EngineEvent } from '../../engine/contract';
import { Engine } from '../../engine/engine';
import { DemoPlant } from '../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../engine/ingest/demoMachines';
import { ConsoleHost } from '../../engine/service/ConsoleHost';
import { OperatorActions } from '../../engine/service/OperatorActions';
import { FeatureDownsampler } from '../../engine/store/featureDownsampler';
import { openStore, type Store } from '../../engine/store/openStore';

/** Cheap scrypt: these tests are about incident review, not the hashing cost. */
const FAST_SCRYPT = { n: 2 ** 10, r: 8, p: 1, keylenBytes: 32 };
/** The reviewer's account (an engineer). */
export const REVIEWER = { userName: 'erin', secret: 'erin reads spectra daily' };

/** A console whose store holds one tripped incident of pump-101, with its snapshots and score history. */
export interface SimulatedIncident {
  store: Store;
  engine: Engine;
  host: ConsoleHost;
  incidentId: string;
  firstAlertMs: number;
  dangerMs: number | null;
  tripMs: number;
  /** Opens a session for `REVIEWER` and returns its token. */
  signIn(): Promise<string>;
  dispose(): Promise<void>;
}

/**
 * Runs pump-101 of the demo plant with an outer-race fault from 20 s as fast as the engine takes
 * it (about 5 s of CPU), wired as `startDemoConsole` wires it (alarm board and journal, the
 * 1-second feature history, stored configuration versions), until 6 s after the trip, so both
 * snapshots (first alert and trip, 5 s either side) are complete and stored.
 */
export async function simulatedIncident(dbPath: string, fault: { growthTauSec?: number; initialSeverity?: number } = {}): Promise<SimulatedIncident> {
  const store = openStore(dbPath);
  const pump = DEMO_MACHINES.find((m) => m.assetId === 'pump-101')!;
  const plant = new DemoPlant({ seed: 3, startMs: Date.UTC(2026, 0, 1), machines: [pump], faultSchedule: [{ assetId: 'pump-101', kind: 'outer_race', onsetSec: 20, growthTauSec: fault.growthTauSec ?? 4, initialSeverity: fault.initialSeverity ?? 0.05, maxSeverity: 1 }] });
  const clock = () => plant.nextStartMs;
  const actuator = new RecordingActuator(clock);
  const engine = await Engine.create({ assets: plant.assets(), clock, actuator, store: (op) => store.writer.enqueue(op) });
  const board = new AlarmBoard((event) => store.writer.enqueue({ kind: 'appendAlarmJournal', event }));
  const history = new FeatureDownsampler();
  const levels: Array<Extract<EngineEvent, { type: 'AlarmLevelChanged' }>> = [];
  let tripMs: number | null = null;
  engine.on((e) => {
    board.onEngineEvent(e);
    if (e.type === 'AlarmLevelChanged') levels.push(e);
    if (e.type === 'TripRequested') tripMs ??= e.decidedAtMs;
    if (e.type !== 'ScoreComputed') return;
    const rows = history.push(e.assetId, e.channelId, e.endMs, Number.isFinite(e.score) ? e.score : null, Number.isFinite(e.velocityRmsMmS) ? e.velocityRmsMmS : null);
    if (rows.length > 0) store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...rows] });
  });
  await store.writer.flush();
  // The audit trail on the plant's clock too, so what people did lines up with the incident.
  const accounts = new Accounts(store.db, { scryptParams: FAST_SCRYPT, nowMs: clock });
  const actions = new OperatorActions(engine, store.repo, accounts, board, clock);
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock, backtest: async () => { throw new Error('no backtest in incident review tests'); } });
  configs.start();
  await accounts.createFirstAdmin('ada', 'correct horse battery');
  await accounts.createUser({ userName: 'ada' }, { userName: REVIEWER.userName, role: 'engineer', secretKind: 'password', secret: REVIEWER.secret });

  for (let i = 0; i < 2000 && tripMs === null; i++) for (const f of plant.nextFrames()) await engine.push(f);
  if (tripMs === null) throw new Error('pump-101 never tripped');
  const trippedAtMs: number = tripMs;
  while (plant.nextStartMs < trippedAtMs + 6000) for (const f of plant.nextFrames()) await engine.push(f);
  await engine.settle();
  const last = history.flush();
  if (last.length > 0) store.writer.enqueue({ kind: 'appendFeatureHistory', rows: [...last] });
  await store.writer.flush();

  const incident = store.repo.listIncidents({ assetId: 'pump-101', limit: 10 }).find((i) => i.tripMs !== null);
  if (!incident) throw new Error('no tripped incident stored');
  const host = new ConsoleHost({ engine, board, accounts, actions, configs, store });
  return {
    store,
    engine,
    host,
    incidentId: incident.id,
    firstAlertMs: levels.find((e) => e.to !== 'normal')!.atMs,
    dangerMs: levels.find((e) => e.to === 'danger')?.atMs ?? null,
    tripMs: trippedAtMs,
    async signIn() {
      const r = await host.signIn(REVIEWER, { remote: false });
      if (!r.ok) throw new Error(r.reason);
      return r.reply.token;
    },
    async dispose() {
      await engine.dispose();
      await store.close();
    },
  };
}
