import type Database from 'better-sqlite3';
import type { AlarmEvent } from '../alarm/alarmTypes';
import type { AlarmJournalQuery } from './records';
import { StoreRequestError } from './result';

type Stmt = Database.Statement<unknown[], unknown>;

interface JournalRow {
  id: number;
  type: string;
  event_json: string;
}

/**
 * Who acted, for the `actor` column: the `by` of events that carry one (operators, and the design
 * logic that suppresses), null for process events (activated, cleared, shelve expired). A refused
 * command keeps its `by`, possibly null, so "who tried" stays searchable.
 */
function actorOf(event: AlarmEvent): string | null {
  return 'by' in event ? event.by : null;
}

/**
 * Parses one stored event. The schema guarantees valid JSON whose `type` matches the column, so a
 * failure here means the file was edited around the constraints; it is reported with the row id
 * (code `VIGIL_CORRUPT_ALARM_JOURNAL`) rather than shown as a half-empty journal line.
 */
function parseEvent(row: JournalRow): AlarmEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.event_json);
  } catch {
    throw new StoreRequestError('VIGIL_CORRUPT_ALARM_JOURNAL', `alarm journal row ${row.id}: event_json does not parse as JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { type?: unknown }).type !== row.type) {
    throw new StoreRequestError(
      'VIGIL_CORRUPT_ALARM_JOURNAL',
      `alarm journal row ${row.id}: event_json does not hold the row's ${row.type} event`,
    );
  }
  return parsed as AlarmEvent;
}

/** Every statement the journal runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    insert: p(`INSERT INTO alarm_journal (at_ms, asset_id, alarm_key, priority, type, state_after, actor, event_json)
      VALUES (@atMs, @assetId, @alarmKey, @priority, @type, @stateAfter, @actor, @eventJson)`),
    // Two statements rather than `@assetId IS NULL OR …`, so each uses its own index.
    listAll: p(`SELECT id, type, event_json FROM alarm_journal WHERE at_ms >= @fromMs AND at_ms < @toMs
      ORDER BY at_ms DESC, id DESC LIMIT @limit`),
    listAsset: p(`SELECT id, type, event_json FROM alarm_journal
      WHERE asset_id = @assetId AND at_ms >= @fromMs AND at_ms < @toMs ORDER BY at_ms DESC, id DESC LIMIT @limit`),
  };
}

/**
 * The ISA-18.2 alarm journal (schema v4, `alarm_journal`): every event of every alarm, in the
 * order the decider emitted them, append-only in SQL. It shares the repository's connection, so
 * an `appendAlarmJournal` op joins the writer's batch transaction like every other op.
 *
 * Why through the writer (critical op) and not a durable commit of its own like `AuditTrail`:
 * alarm events are produced by the process at up to one per alarm per window, on the engine's hot
 * path, and an fsync each would stall it; operator actions on alarms are also audited, durably,
 * by the audit trail.
 */
export class AlarmJournal {
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
   * Appends one event and returns its row id. The asset must be stored (rows about unknown
   * machines are refused, `SQLITE_CONSTRAINT_FOREIGNKEY`).
   */
  append(event: AlarmEvent): number {
    const r = this.#stmts.insert.run({
      atMs: event.atMs,
      assetId: event.assetId,
      alarmKey: event.alarmKey,
      priority: event.priority,
      type: event.type,
      stateAfter: event.stateAfter,
      actor: actorOf(event),
      eventJson: JSON.stringify(event),
    });
    return Number(r.lastInsertRowid);
  }

  /**
   * Events in [fromMs, toMs), optionally of one asset, newest first (ties in insertion order,
   * newest first), exactly as they were appended. Throws `StoreRequestError` naming the row if a
   * stored event cannot be parsed.
   */
  list(q: AlarmJournalQuery): AlarmEvent[] {
    const base = { fromMs: q.fromMs ?? -Infinity, toMs: q.toMs ?? Infinity, limit: q.limit };
    const rows = q.assetId === undefined ? this.#stmts.listAll.all(base) : this.#stmts.listAsset.all({ ...base, assetId: q.assetId });
    return (rows as JournalRow[]).map(parseEvent);
  }
}
