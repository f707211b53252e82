import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StoreRequestError } from './result';

/** A configuration version to store. */
export interface ConfigVersionInput {
  assetId: string;
  /** The configuration (JSON-able); stored as canonical JSON, so key order does not matter. */
  config: unknown;
  /** Who put it in force: a user name, or `system` (initial configuration, automatic revert). */
  by: string;
  reason: string;
  /** The managed change that made it; null for the initial configuration. */
  changeId?: string | null;
  /** The version in force when this one was made; null for an asset's first version. */
  parentId?: string | null;
  /** When it was made; the store's clock when absent. */
  atMs?: number;
  /**
   * The seq the caller believes comes next (its decider's version number). If the store disagrees,
   * someone else stored a version meanwhile and nothing is written (`VIGIL_CONFIG_VERSION_CONFLICT`).
   */
  expectedSeq?: number;
}

/** A stored configuration version whose JSON matched its hash when read. */
export interface ConfigVersionRecord {
  /** `cfg-<assetId>-<seq>`: what alarms, trips and incidents are tagged with. */
  id: string;
  assetId: string;
  /** 1, 2, 3 … per asset. */
  seq: number;
  /** The configuration as stored; the caller validates it before putting it in force. */
  config: unknown;
  /** SHA-256 (hex) of the canonical JSON. */
  configHash: string;
  createdMs: number;
  createdBy: string;
  reason: string;
  changeId: string | null;
  parentId: string | null;
}

/** A version as listed for the history page: no configuration, but whether the row can be trusted. */
export type ConfigVersionSummary = Omit<ConfigVersionRecord, 'config'> & {
  /** Why the row must not be used (its JSON no longer matches its hash), or null when intact. */
  corruption: string | null;
};

/** What every journaled change event carries; the rest is the event's own. */
export interface ConfigChangeEventBody {
  readonly type: string;
  readonly atMs: number;
  readonly [field: string]: unknown;
}

/** One stored change event, oldest first in every listing. */
export interface ConfigChangeEventRecord {
  id: number;
  assetId: string;
  changeId: string | null;
  atMs: number;
  type: string;
  event: ConfigChangeEventBody;
}

/**
 * A stored version whose configuration no longer matches its hash: it was changed around the
 * append-only triggers. Never put in force; the error names the row so it can be investigated.
 */
export class ConfigVersionCorruptError extends StoreRequestError {
  constructor(
    readonly versionId: string,
    detail: string,
  ) {
    super('VIGIL_CORRUPT_CONFIG_VERSION', `configuration version ${versionId} is corrupt: ${detail}; it was changed outside Vigil and will not be used`);
    this.name = 'ConfigVersionCorruptError';
  }
}

/**
 * JSON with object keys sorted at every level, so one configuration has one text and one hash
 * whatever order an editor wrote its keys in. `undefined` members are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** SHA-256 (hex) of a configuration's canonical JSON. */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** The id of an asset's `seq`-th version. */
export function configVersionId(assetId: string, seq: number): string {
  return `cfg-${assetId}-${seq}`;
}

interface VersionRow {
  id: string;
  asset_id: string;
  seq: number;
  config_json: string;
  config_hash: string;
  created_ms: number;
  created_by: string;
  reason: string;
  change_id: string | null;
  parent_id: string | null;
}

interface EventRow {
  id: number;
  asset_id: string;
  change_id: string | null;
  at_ms: number;
  type: string;
  event_json: string;
}

type Stmt = Database.Statement<unknown[], unknown>;

function prepareStatements(db: Database.Database) {
  const p = (sql: string): Stmt => db.prepare(sql);
  return {
    nextSeq: p('SELECT coalesce(max(seq), 0) + 1 FROM config_versions WHERE asset_id = ?').pluck(),
    insert: p(`INSERT INTO config_versions (id, asset_id, seq, config_json, config_hash, created_ms, created_by, reason, change_id, parent_id)
      VALUES (@id, @assetId, @seq, @configJson, @configHash, @createdMs, @createdBy, @reason, @changeId, @parentId)`),
    get: p('SELECT * FROM config_versions WHERE id = ?'),
    latest: p('SELECT * FROM config_versions WHERE asset_id = ? ORDER BY seq DESC LIMIT 1'),
    list: p('SELECT * FROM config_versions WHERE asset_id = ? ORDER BY seq DESC LIMIT ?'),
    insertEvent: p(`INSERT INTO config_change_events (change_id, asset_id, at_ms, type, event_json)
      VALUES (@changeId, @assetId, @atMs, @type, @eventJson)`),
    eventsOfAsset: p('SELECT * FROM config_change_events WHERE asset_id = ? ORDER BY id'),
    eventsOfChange: p('SELECT * FROM config_change_events WHERE change_id = ? ORDER BY id'),
  };
}

/** Why a row cannot be trusted, or null; also returns the parsed configuration when it can. */
function check(row: VersionRow): { corruption: string | null; config: unknown } {
  let config: unknown;
  try {
    config = JSON.parse(row.config_json);
  } catch {
    return { corruption: 'its config_json does not parse as JSON', config: null };
  }
  const computed = configHash(config);
  if (computed !== row.config_hash) {
    return { corruption: `its config_json does not match its config_hash (stored ${row.config_hash.slice(0, 12)}…, computed ${computed.slice(0, 12)}…)`, config: null };
  }
  return { corruption: null, config };
}

function toSummary(row: VersionRow, corruption: string | null): ConfigVersionSummary {
  return {
    id: row.id,
    assetId: row.asset_id,
    seq: row.seq,
    configHash: row.config_hash,
    createdMs: row.created_ms,
    createdBy: row.created_by,
    reason: row.reason,
    changeId: row.change_id,
    parentId: row.parent_id,
    corruption,
  };
}

function toRecord(row: VersionRow): ConfigVersionRecord {
  const { corruption, config } = check(row);
  if (corruption !== null) throw new ConfigVersionCorruptError(row.id, corruption);
  const { corruption: _, ...summary } = toSummary(row, null);
  return { ...summary, config };
}

function toEvent(row: EventRow): ConfigChangeEventRecord {
  let event: unknown;
  try {
    event = JSON.parse(row.event_json);
  } catch {
    throw new StoreRequestError('VIGIL_CORRUPT_CONFIG_CHANGE_EVENTS', `config change event ${row.id}: event_json does not parse as JSON`);
  }
  if (typeof event !== 'object' || event === null || (event as { type?: unknown }).type !== row.type) {
    throw new StoreRequestError('VIGIL_CORRUPT_CONFIG_CHANGE_EVENTS', `config change event ${row.id}: event_json does not hold the row's ${row.type} event`);
  }
  return { id: row.id, assetId: row.asset_id, changeId: row.change_id, atMs: row.at_ms, type: row.type, event: event as ConfigChangeEventBody };
}

/** Knobs for `ConfigVersions`. */
export interface ConfigVersionsOptions {
  /** Clock for `created_ms` when an input gives none. Default `Date.now`. */
  nowMs?: () => number;
}

/**
 * The stored protection-configuration versions and the managed-change journal (schema v5).
 *
 * Synchronous and durable, like `AuditTrail` and unlike the deferred `StoreWriter`: a version is
 * written before the engine puts it in force, so whatever the engine runs (and tags its incidents
 * with) is on disk first, even across a power cut. Writes made outside a transaction commit their
 * own IMMEDIATE transaction at `synchronous = FULL`; several writes that must commit together go in
 * `transaction(fn)`, which does the same for all of them. Changes are rare (a few a day), so the
 * fsync costs nothing.
 *
 * Reads verify each row's hash: a row edited around the triggers throws `ConfigVersionCorruptError`
 * from `get` and `latest`, and is flagged (not hidden) by `list`.
 */
export class ConfigVersions {
  readonly #db: Database.Database;
  readonly #nowMs: () => number;
  #s: ReturnType<typeof prepareStatements> | null = null;

  /**
   * Statements are prepared on first use, so a `Repository` over a database still at an older
   * schema (the tests of earlier migration steps) keeps serving the tables it has.
   */
  constructor(db: Database.Database, options: ConfigVersionsOptions = {}) {
    this.#db = db;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  get #stmts(): ReturnType<typeof prepareStatements> {
    return (this.#s ??= prepareStatements(this.#db));
  }

  /**
   * Runs `fn` in one durable transaction (IMMEDIATE, `synchronous = FULL` for the commit), or, when
   * the caller already opened one, inside it (its commit decides durability). If `fn` throws,
   * nothing it wrote stays and the error propagates.
   */
  transaction<T>(fn: () => T): T {
    if (this.#db.inTransaction) return this.#db.transaction(fn)();
    const previous = this.#db.pragma('synchronous', { simple: true }) as number;
    this.#db.pragma('synchronous = FULL');
    try {
      return this.#db.transaction(fn).immediate();
    } finally {
      this.#db.pragma(`synchronous = ${previous}`);
    }
  }

  /**
   * Stores the asset's next version (seq = last + 1, read and written in one transaction) and
   * returns it. The asset must be stored (`SQLITE_CONSTRAINT_FOREIGNKEY` otherwise).
   */
  append(input: ConfigVersionInput): ConfigVersionRecord {
    const configJson = canonicalJson(input.config);
    const config = JSON.parse(configJson) as unknown;
    return this.transaction(() => {
      const seq = this.#stmts.nextSeq.get(input.assetId) as number;
      if (input.expectedSeq !== undefined && input.expectedSeq !== seq) {
        throw new StoreRequestError(
          'VIGIL_CONFIG_VERSION_CONFLICT',
          `expected to store version ${input.expectedSeq} of ${input.assetId}, but the next stored version is ${seq}: another change was stored meanwhile`,
        );
      }
      const record: ConfigVersionRecord = {
        id: configVersionId(input.assetId, seq),
        assetId: input.assetId,
        seq,
        config,
        configHash: configHash(config),
        createdMs: input.atMs ?? this.#nowMs(),
        createdBy: input.by,
        reason: input.reason,
        changeId: input.changeId ?? null,
        parentId: input.parentId ?? null,
      };
      const { config: _, ...columns } = record;
      this.#stmts.insert.run({ ...columns, configJson });
      return record;
    });
  }

  /** One version, or null if there is none with that id. Throws `ConfigVersionCorruptError` for a tampered row. */
  get(id: string): ConfigVersionRecord | null {
    const row = this.#stmts.get.get(id) as VersionRow | undefined;
    return row ? toRecord(row) : null;
  }

  /** The asset's newest version, or null if none was stored. Throws `ConfigVersionCorruptError` for a tampered row. */
  latest(assetId: string): ConfigVersionRecord | null {
    const row = this.#stmts.latest.get(assetId) as VersionRow | undefined;
    return row ? toRecord(row) : null;
  }

  /** The asset's versions, newest first, each flagged if corrupt. */
  list(assetId: string, limit = 100): ConfigVersionSummary[] {
    return (this.#stmts.list.all(assetId, limit) as VersionRow[]).map((row) => toSummary(row, check(row).corruption));
  }

  /** Journals one change event; returns its row id. */
  appendChangeEvent(input: { assetId: string; changeId?: string | null; event: ConfigChangeEventBody }): number {
    const params = {
      changeId: input.changeId ?? null,
      assetId: input.assetId,
      atMs: input.event.atMs,
      type: input.event.type,
      eventJson: JSON.stringify(input.event),
    };
    return this.transaction(() => Number(this.#stmts.insertEvent.run(params).lastInsertRowid));
  }

  /** Every journaled event of an asset or of one change, oldest first. */
  changeEvents(q: { assetId: string } | { changeId: string }): ConfigChangeEventRecord[] {
    const rows = 'assetId' in q ? this.#stmts.eventsOfAsset.all(q.assetId) : this.#stmts.eventsOfChange.all(q.changeId);
    return (rows as EventRow[]).map(toEvent);
  }
}
