import type Database from 'better-sqlite3';
import type { AssetConfig } from '../contract/asset';
import type { AlarmLevelChanged } from '../contract/events';
import { AlarmJournal } from './AlarmJournal';
import { ConfigVersions } from './ConfigVersions';
import { FeatureHistory } from './FeatureHistory';
import { float32ToBlob } from './float32Blob';
import { IncidentSnapshots } from './IncidentSnapshots';
import { ModelRegistry } from './ModelRegistry';
import type {
  AlarmEventQuery,
  AlarmEventRecord,
  IncidentOpen,
  IncidentPatch,
  IncidentRecord,
  IncidentSummary,
  ModelVersionInput,
  ModelVersionRecord,
  ModelVersionSummary,
  StoredAsset,
  TripInput,
  TripRecord,
} from './records';
import { StoreRequestError } from './result';
import {
  diagnosisToJson,
  protectionToJson,
  toAlarmEvent,
  toIncidentRecord,
  toIncidentSummary,
  toStoredAsset,
  toTrip,
  tripFrameMetaJson,
  type AlarmEventRow,
  type AssetRow,
  type IncidentRow,
  type TripRow,
} from './rowMapping';

type Stmt = Database.Statement<unknown[], unknown>;

const INCIDENT_COLUMNS =
  'id, asset_id, opened_ms, closed_ms, first_alert_ms, trip_ms, model_version, diagnosis_json, max_score, trip_frame_json, summary';
const ALARM_COLUMNS = 'id, asset_id, at_ms, from_level, to_level, source, value, setpoint, model_version, diagnosis_json';
const TRIP_COLUMNS =
  'id, asset_id, decided_at_ms, commanded_at_ms, latency_us, source, value, setpoint, model_version, actuator, incident_id';

/** Every statement the repository runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  // incidents.config_version arrives with schema v5. Over an older step (the migration tests) it
  // reads as NULL and writing one is refused (`openIncident`), instead of the whole repository
  // failing to prepare.
  const hasConfigVersion =
    (db.prepare("SELECT count(*) FROM pragma_table_info('incidents') WHERE name = 'config_version'").pluck().get() as number) > 0;
  const incidentColumns = `${INCIDENT_COLUMNS}, ${hasConfigVersion ? 'config_version' : 'NULL AS config_version'}`;
  // alarm_events.protection_json and trips.protection_json arrive with schema v7, the same way.
  const hasProtection = (db.prepare("SELECT count(*) FROM pragma_table_info('trips') WHERE name = 'protection_json'").pluck().get() as number) > 0;
  const protection = hasProtection ? 'protection_json' : 'NULL AS protection_json';
  const alarmColumns = `${ALARM_COLUMNS}, ${protection}`;
  const tripColumns = `${TRIP_COLUMNS}, ${protection}`;
  return {
    hasConfigVersion,
    hasProtection,
    upsertAsset: p(`INSERT INTO assets (asset_id, name, config_json, created_ms) VALUES (@assetId, @name, @configJson, @createdMs)
      ON CONFLICT (asset_id) DO UPDATE SET name = excluded.name, config_json = excluded.config_json`),
    getAsset: p('SELECT * FROM assets WHERE asset_id = ?'),
    listAssets: p('SELECT * FROM assets ORDER BY asset_id'),
    insertAlarm: p(`INSERT INTO alarm_events (asset_id, at_ms, from_level, to_level, source, value, setpoint, model_version, diagnosis_json${hasProtection ? ', protection_json' : ''})
      VALUES (@assetId, @atMs, @from, @to, @source, @value, @setpoint, @modelVersion, @diagnosisJson${hasProtection ? ', @protectionJson' : ''})`),
    countAlarmsAll: p('SELECT count(*) FROM alarm_events WHERE at_ms >= @fromMs AND at_ms < @toMs').pluck(),
    countAlarmsAsset: p('SELECT count(*) FROM alarm_events WHERE asset_id = @assetId AND at_ms >= @fromMs AND at_ms < @toMs').pluck(),
    listAlarmsAll: p(`SELECT ${alarmColumns} FROM alarm_events WHERE at_ms >= @fromMs AND at_ms < @toMs ORDER BY at_ms DESC, id DESC LIMIT @limit`),
    listAlarmsAsset: p(`SELECT ${alarmColumns} FROM alarm_events WHERE asset_id = @assetId AND at_ms >= @fromMs AND at_ms < @toMs
      ORDER BY at_ms DESC, id DESC LIMIT @limit`),
    openIncident: p(`INSERT INTO incidents (id, asset_id, opened_ms, first_alert_ms, trip_ms, model_version, diagnosis_json, max_score,
      trip_frame_json, trip_frame, summary${hasConfigVersion ? ', config_version' : ''}) VALUES (@id, @assetId, @openedMs, @firstAlertMs,
      @tripMs, @modelVersion, @diagnosisJson, @maxScore, @tripFrameJson, @tripFrame, @summary${hasConfigVersion ? ', @configVersion' : ''})`),
    // first_alert_ms, trip_ms and the trip frame are write-once (the first value is the fact);
    // diagnosis and summary follow the latest; max_score only rises.
    updateIncident: p(`UPDATE incidents SET
        first_alert_ms = coalesce(first_alert_ms, @firstAlertMs),
        trip_ms = coalesce(trip_ms, @tripMs),
        diagnosis_json = coalesce(@diagnosisJson, diagnosis_json),
        max_score = CASE WHEN @maxScore IS NULL THEN max_score
                         WHEN max_score IS NULL OR @maxScore > max_score THEN @maxScore ELSE max_score END,
        trip_frame_json = CASE WHEN trip_frame IS NULL THEN @tripFrameJson ELSE trip_frame_json END,
        trip_frame = coalesce(trip_frame, @tripFrame),
        summary = coalesce(@summary, summary)
      WHERE id = @id AND closed_ms IS NULL`),
    closeIncident: p(`UPDATE incidents SET closed_ms = @closedMs, summary = coalesce(@summary, summary)
      WHERE id = @id AND closed_ms IS NULL`),
    incidentState: p('SELECT closed_ms FROM incidents WHERE id = ?'),
    getIncident: p(`SELECT ${incidentColumns}, trip_frame FROM incidents WHERE id = ?`),
    listIncidentsAll: p(`SELECT ${incidentColumns} FROM incidents ORDER BY opened_ms DESC, id LIMIT ?`),
    listIncidentsAsset: p(`SELECT ${incidentColumns} FROM incidents WHERE asset_id = ? ORDER BY opened_ms DESC, id LIMIT ?`),
    insertTrip: p(`INSERT INTO trips (asset_id, decided_at_ms, commanded_at_ms, latency_us, source, value, setpoint, model_version,
      actuator, incident_id${hasProtection ? ', protection_json' : ''}) VALUES (@assetId, @decidedAtMs, @commandedAtMs, @latencyUs, @source, @value, @setpoint, @modelVersion,
      @actuator, @incidentId${hasProtection ? ', @protectionJson' : ''})`),
    listTripsAll: p(`SELECT ${tripColumns} FROM trips ORDER BY decided_at_ms DESC, id DESC LIMIT ?`),
    listTripsAsset: p(`SELECT ${tripColumns} FROM trips WHERE asset_id = ? ORDER BY decided_at_ms DESC, id DESC LIMIT ?`),
    listTripsIncident: p(`SELECT ${tripColumns} FROM trips WHERE incident_id = ? ORDER BY decided_at_ms, id`),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

/**
 * Typed queries over Vigil's SQLite schema. Every statement is prepared once in the constructor,
 * so a write in the writer's batch costs a bind and a step, not a parse. The repository is
 * synchronous and holds no state beyond statements: transactions belong to the caller (the
 * `StoreWriter`'s batch or a test), so one batch of many ops commits or rolls back as a whole.
 *
 * Methods that can never succeed as asked (updating a missing incident) throw `StoreRequestError`
 * rather than silently changing nothing.
 */
export class Repository {
  readonly #db: Database.Database;
  readonly #s: Statements;
  /**
   * The model registry on the same connection, so registry writes join the caller's transaction
   * (a batch that opens an incident and records its feedback commits both or neither).
   */
  readonly models: ModelRegistry;
  /** The ISA-18.2 alarm journal (schema v4), on the same connection for the same reason. */
  readonly journal: AlarmJournal;
  /** The 1-second feature history the threshold backtest replays (schema v4). */
  readonly history: FeatureHistory;
  /** Stored protection-configuration versions and the managed-change journal (schema v5); durable writes. */
  readonly configs: ConfigVersions;
  /** Raw waveform snapshots around incidents (schema v6), written by the writer's `insertSnapshot` ops. */
  readonly snapshots: IncidentSnapshots;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = prepareStatements(db);
    this.models = new ModelRegistry(db);
    this.journal = new AlarmJournal(db);
    this.history = new FeatureHistory(db);
    this.configs = new ConfigVersions(db);
    this.snapshots = new IncidentSnapshots(db);
  }

  /**
   * Runs `fn` in one transaction (IMMEDIATE, so a writer never upgrades a read lock and deadlocks).
   * If `fn` throws, everything it wrote is rolled back and the error propagates.
   */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  /** Records or updates an asset's configuration; `createdMs` is kept from the first insert. */
  upsertAsset(config: AssetConfig, createdMs: number): void {
    this.#s.upsertAsset.run({ assetId: config.assetId, name: config.name, configJson: JSON.stringify(config), createdMs });
  }

  /** One asset's stored configuration, or null if it was never configured. */
  getAsset(assetId: string): StoredAsset | null {
    const row = this.#s.getAsset.get(assetId) as AssetRow | undefined;
    return row ? toStoredAsset(row) : null;
  }

  /** Every configured asset, by id. */
  listAssets(): StoredAsset[] {
    return (this.#s.listAssets.all() as AssetRow[]).map(toStoredAsset);
  }

  /** Adds an immutable model version; see `ModelRegistry.saveModelVersion`. */
  saveModelVersion(m: ModelVersionInput): void {
    this.models.saveModelVersion(m);
  }

  /** A model version with its ONNX bytes and parameters, or null; see `ModelRegistry.modelVersion`. */
  getModelVersion(versionId: string): ModelVersionRecord | null {
    return this.models.modelVersion(versionId);
  }

  /** An asset's model versions, newest first, without the ONNX bytes; see `ModelRegistry.listModelVersions`. */
  listModelVersions(assetId: string, channelId?: string): ModelVersionSummary[] {
    return this.models.listModelVersions(assetId, channelId);
  }

  /** Journals one alarm-level change; returns its row id. */
  insertAlarmEvent(e: AlarmLevelChanged): number {
    const r = this.#s.insertAlarm.run({
      assetId: e.assetId,
      atMs: e.atMs,
      from: e.from,
      to: e.to,
      source: e.source,
      value: e.value,
      setpoint: e.setpoint,
      modelVersion: e.modelVersion,
      diagnosisJson: diagnosisToJson(e.diagnosis),
      ...(this.#s.hasProtection ? { protectionJson: protectionToJson(e) } : {}),
    });
    return Number(r.lastInsertRowid);
  }

  /** Counts alarm-level changes in [fromMs, toMs), optionally for one asset (uses the index). */
  countAlarmEvents(q: AlarmEventQuery = {}): number {
    const range = { fromMs: q.fromMs ?? -Infinity, toMs: q.toMs ?? Infinity };
    const stmt = q.assetId === undefined ? this.#s.countAlarmsAll : this.#s.countAlarmsAsset;
    const args = q.assetId === undefined ? range : { ...range, assetId: q.assetId };
    return stmt.get(args) as number;
  }

  /** Alarm-level changes in [fromMs, toMs), newest first. */
  listAlarmEvents(q: AlarmEventQuery & { limit: number }): AlarmEventRecord[] {
    const base = { fromMs: q.fromMs ?? -Infinity, toMs: q.toMs ?? Infinity, limit: q.limit };
    const rows =
      q.assetId === undefined
        ? this.#s.listAlarmsAll.all(base)
        : this.#s.listAlarmsAsset.all({ ...base, assetId: q.assetId });
    return (rows as AlarmEventRow[]).map(toAlarmEvent);
  }

  /** Creates an incident row under the engine-chosen id, with the configuration version in force if given. */
  openIncident(i: IncidentOpen): void {
    if (i.configVersion != null && !this.#s.hasConfigVersion) {
      throw new StoreRequestError('VIGIL_SCHEMA_TOO_OLD', `incident ${i.id}: this database predates configuration versions (schema v5)`);
    }
    this.#s.openIncident.run({
      id: i.id,
      assetId: i.assetId,
      openedMs: i.openedMs,
      firstAlertMs: i.firstAlertMs ?? null,
      tripMs: i.tripMs ?? null,
      modelVersion: i.modelVersion,
      diagnosisJson: diagnosisToJson(i.diagnosis),
      maxScore: i.maxScore ?? null,
      tripFrameJson: i.tripFrame ? tripFrameMetaJson(i.tripFrame) : null,
      tripFrame: i.tripFrame ? float32ToBlob(i.tripFrame.samples) : null,
      summary: i.summary ?? null,
      configVersion: i.configVersion ?? null,
    });
  }

  /**
   * Adds what was learned while the incident is open. See `IncidentPatch` for which fields are
   * write-once. Throws if the incident does not exist or is already closed.
   */
  updateIncident(id: string, patch: IncidentPatch): void {
    const r = this.#s.updateIncident.run({
      id,
      firstAlertMs: patch.firstAlertMs ?? null,
      tripMs: patch.tripMs ?? null,
      diagnosisJson: diagnosisToJson(patch.diagnosis),
      maxScore: patch.maxScore ?? null,
      tripFrameJson: patch.tripFrame ? tripFrameMetaJson(patch.tripFrame) : null,
      tripFrame: patch.tripFrame ? float32ToBlob(patch.tripFrame.samples) : null,
      summary: patch.summary ?? null,
    });
    if (r.changes === 0) this.#explainMissingOpenIncident(id, 'update');
  }

  /** Closes an open incident, optionally with its final summary. Throws if missing or closed. */
  closeIncident(id: string, closedMs: number, summary?: string | null): void {
    const r = this.#s.closeIncident.run({ id, closedMs, summary: summary ?? null });
    if (r.changes === 0) this.#explainMissingOpenIncident(id, 'close');
  }

  #explainMissingOpenIncident(id: string, verb: string): never {
    const row = this.#s.incidentState.get(id) as { closed_ms: number | null } | undefined;
    if (!row) throw new StoreRequestError('VIGIL_NO_SUCH_INCIDENT', `cannot ${verb} incident ${id}: it does not exist`);
    throw new StoreRequestError('VIGIL_INCIDENT_CLOSED', `cannot ${verb} incident ${id}: it was closed at ${row.closed_ms}`);
  }

  /** Records a trip under its incident (which must already exist); returns its row id. */
  insertTrip(t: TripInput): number {
    const r = this.#s.insertTrip.run({
      assetId: t.assetId,
      decidedAtMs: t.decidedAtMs,
      commandedAtMs: t.commandedAtMs,
      latencyUs: t.latencyUs,
      source: t.source,
      value: t.value,
      setpoint: t.setpoint,
      modelVersion: t.modelVersion,
      actuator: t.actuator,
      incidentId: t.incidentId,
      ...(this.#s.hasProtection ? { protectionJson: protectionToJson(t) } : {}),
    });
    return Number(r.lastInsertRowid);
  }

  /** Incidents newest first, without trip-frame samples. */
  listIncidents(q: { assetId?: string; limit: number }): IncidentSummary[] {
    const rows =
      q.assetId === undefined
        ? this.#s.listIncidentsAll.all(q.limit)
        : this.#s.listIncidentsAsset.all(q.assetId, q.limit);
    return (rows as IncidentRow[]).map(toIncidentSummary);
  }

  /** One incident with its trip-frame samples as a Float32Array, or null. */
  getIncident(id: string): IncidentRecord | null {
    const row = this.#s.getIncident.get(id) as IncidentRow | undefined;
    return row ? toIncidentRecord(row) : null;
  }

  /** Trips newest first, optionally for one asset. */
  listTrips(q: { assetId?: string; limit: number }): TripRecord[] {
    const rows =
      q.assetId === undefined ? this.#s.listTripsAll.all(q.limit) : this.#s.listTripsAsset.all(q.assetId, q.limit);
    return (rows as TripRow[]).map(toTrip);
  }

  /** The trips of one incident, in the order they were decided. */
  listTripsForIncident(incidentId: string): TripRecord[] {
    return (this.#s.listTripsIncident.all(incidentId) as TripRow[]).map(toTrip);
  }
}
