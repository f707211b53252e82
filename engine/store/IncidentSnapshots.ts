import type Database from 'better-sqlite3';
import type { SnapshotTrigger, WaveformSnapshot, WaveformSnapshotMeta } from '../incident/WaveformRecorder';
import { blobToFloat32, float32ToBlob } from './float32Blob';
import { StoreRequestError } from './result';

type Stmt = Database.Statement<unknown[], unknown>;

const TRIGGERS: readonly SnapshotTrigger[] = ['alert', 'trip'];

const META_COLUMNS =
  'incident_id, channel_id, asset_id, trigger, trigger_ms, start_ms, sample_rate_hz, shaft_hz, pre_samples, sample_count, complete';

/** Raw `incident_snapshots` row; `samples` only from the query that loads them. */
interface SnapshotRow {
  incident_id: string;
  channel_id: string;
  asset_id: string;
  trigger: string;
  trigger_ms: number;
  start_ms: number;
  sample_rate_hz: number;
  shaft_hz: number | null;
  pre_samples: number;
  sample_count: number;
  complete: number;
  samples?: Buffer;
}

/** Every statement the snapshot store runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  // Ordered by moment, then channel, so a timeline reads them in the order they were taken.
  const order = 'ORDER BY trigger_ms, channel_id, trigger';
  return {
    // A complete snapshot replaces a partial one of the same key; a partial never replaces a complete one.
    upsert: p(`INSERT INTO incident_snapshots (${META_COLUMNS}, samples)
      VALUES (@incidentId, @channelId, @assetId, @trigger, @triggerMs, @startMs, @sampleRateHz, @shaftHz, @preSamples, @sampleCount,
      @complete, @samples)
      ON CONFLICT (incident_id, channel_id, trigger) DO UPDATE SET asset_id = excluded.asset_id, trigger_ms = excluded.trigger_ms,
        start_ms = excluded.start_ms, sample_rate_hz = excluded.sample_rate_hz, shaft_hz = excluded.shaft_hz,
        pre_samples = excluded.pre_samples, sample_count = excluded.sample_count, complete = excluded.complete, samples = excluded.samples
      WHERE excluded.complete >= incident_snapshots.complete`),
    meta: p(`SELECT ${META_COLUMNS} FROM incident_snapshots WHERE incident_id = ? ${order}`),
    full: p(`SELECT ${META_COLUMNS}, samples FROM incident_snapshots WHERE incident_id = ? ${order}`),
    one: p(`SELECT ${META_COLUMNS}, samples FROM incident_snapshots WHERE incident_id = ? AND channel_id = ? AND trigger = ?`),
  };
}

function toMeta(row: SnapshotRow): WaveformSnapshotMeta {
  if (!(TRIGGERS as readonly string[]).includes(row.trigger)) {
    throw new StoreRequestError('VIGIL_CORRUPT_SNAPSHOT', `incident ${row.incident_id}: snapshot of ${row.channel_id} has unknown trigger '${row.trigger}'`);
  }
  return {
    incidentId: row.incident_id,
    assetId: row.asset_id,
    channelId: row.channel_id,
    trigger: row.trigger as SnapshotTrigger,
    triggerMs: row.trigger_ms,
    startMs: row.start_ms,
    sampleRateHz: row.sample_rate_hz,
    shaftHz: row.shaft_hz,
    preSamples: row.pre_samples,
    complete: row.complete === 1,
    sampleCount: row.sample_count,
  };
}

function toSnapshot(row: SnapshotRow): WaveformSnapshot {
  const { sampleCount, ...meta } = toMeta(row);
  const samples = blobToFloat32(row.samples ?? Buffer.alloc(0));
  if (samples.length !== sampleCount) {
    throw new StoreRequestError(
      'VIGIL_CORRUPT_SNAPSHOT',
      `incident ${row.incident_id}: ${row.trigger} snapshot of ${row.channel_id} has ${samples.length} samples, metadata says ${sampleCount}`,
    );
  }
  return { ...meta, samples };
}

/**
 * Refuses a snapshot the table could not describe truthfully, as a permanent `StoreRequestError`
 * (the writer then rejects and reports that one op, keeping the rest of its batch).
 */
function validate(s: WaveformSnapshot): void {
  const bad = (why: string): never => {
    throw new StoreRequestError('VIGIL_BAD_SNAPSHOT', `snapshot of ${s.assetId}/${s.channelId} for incident ${s.incidentId}: ${why}`);
  };
  if (!TRIGGERS.includes(s.trigger)) bad(`unknown trigger '${String(s.trigger)}'`);
  if (!(s.samples instanceof Float32Array)) bad('samples must be a Float32Array');
  if (!Number.isInteger(s.preSamples) || s.preSamples < 0 || s.preSamples > s.samples.length) {
    bad(`preSamples ${s.preSamples} is not an index within its ${s.samples.length} samples`);
  }
  if (!Number.isFinite(s.triggerMs) || !Number.isFinite(s.startMs)) bad('triggerMs and startMs must be finite');
  if (!(s.sampleRateHz > 0) || !Number.isFinite(s.sampleRateHz)) bad(`sampleRateHz ${s.sampleRateHz} is not a positive rate`);
}

/**
 * Raw waveform snapshots around incidents (schema v6, `incident_snapshots`), on the repository's
 * connection so an `insertSnapshot` op joins the writer's batch transaction. Snapshots are written
 * after their post-trigger span has passed, so often after the incident row; the incident (with
 * the same asset) must exist by then, which the writer's ordering guarantees.
 */
export class IncidentSnapshots {
  readonly #db: Database.Database;
  #s: ReturnType<typeof prepareStatements> | null = null;

  /**
   * Statements are prepared on first use, not here, so a `Repository` over a database still at
   * an older schema (the tests of earlier migration steps) keeps serving the tables it has.
   */
  constructor(db: Database.Database) {
    this.#db = db;
  }

  get #stmts(): ReturnType<typeof prepareStatements> {
    return (this.#s ??= prepareStatements(this.#db));
  }

  /**
   * Stores one snapshot, samples bit-exact. The same (incident, channel, trigger) written again
   * replaces the row unless that would replace a complete snapshot with a partial one (then the
   * stored one is kept, silently: it is the better evidence). Throws `StoreRequestError`
   * (`VIGIL_BAD_SNAPSHOT`) for a snapshot that is not self-consistent, and
   * `SQLITE_CONSTRAINT_FOREIGNKEY` when its incident is unknown or about another asset.
   */
  insert(s: WaveformSnapshot): void {
    validate(s);
    this.#stmts.upsert.run({
      incidentId: s.incidentId,
      channelId: s.channelId,
      assetId: s.assetId,
      trigger: s.trigger,
      triggerMs: s.triggerMs,
      startMs: s.startMs,
      sampleRateHz: s.sampleRateHz,
      shaftHz: s.shaftHz !== null && Number.isFinite(s.shaftHz) ? s.shaftHz : null,
      preSamples: s.preSamples,
      sampleCount: s.samples.length,
      complete: s.complete ? 1 : 0,
      samples: float32ToBlob(s.samples),
    });
  }

  /**
   * An incident's snapshots with their samples (fresh arrays, bit-exact), by trigger time, then
   * channel. Throws `StoreRequestError` (`VIGIL_CORRUPT_SNAPSHOT`) for a row that fails its checks.
   */
  forIncident(incidentId: string): WaveformSnapshot[] {
    return (this.#stmts.full.all(incidentId) as SnapshotRow[]).map(toSnapshot);
  }

  /**
   * One snapshot with its samples, or null: what incident review reads when it needs one channel
   * around one trigger, without loading the incident's other snapshots (each may hold millions).
   */
  get(incidentId: string, channelId: string, trigger: SnapshotTrigger): WaveformSnapshot | null {
    const row = this.#stmts.one.get(incidentId, channelId, trigger) as SnapshotRow | undefined;
    return row ? toSnapshot(row) : null;
  }

  /** An incident's snapshots without samples (what listings and the timeline's entries carry). */
  metaForIncident(incidentId: string): WaveformSnapshotMeta[] {
    return (this.#stmts.meta.all(incidentId) as SnapshotRow[]).map(toMeta);
  }
}
