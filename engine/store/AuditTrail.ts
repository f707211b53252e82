import type Database from 'better-sqlite3';
import { StoreRequestError } from './result';
import type { UserRole } from './UserStore';

/**
 * How an audited request ended. `done`: it took effect. `refused`: it was not permitted or broke a
 * rule, so nothing happened. `failed`: it was permitted and attempted but did not take effect
 * (the actuator or the store threw); kept apart from `refused` because "nobody was allowed to trip"
 * and "the trip command failed" lead to very different investigations.
 */
export type AuditOutcome = 'done' | 'refused' | 'failed';

/** One row to append. `refusal` is required exactly when `outcome` is not `done`. */
export interface AuditEntryInput {
  /** Who acted: a user name, or what was typed at the login prompt for a failed login. */
  actor: string;
  /** The actor's role when they acted; null when unknown (a login attempt for no such user). */
  role: UserRole | null;
  /** What was asked: `trip`, `reset`, `setpoint.change`, `alarm.shelve`, `model.promote`, `login` … */
  action: string;
  /** What it was done to: an asset id, alarm id, model version, user name; null when nothing. */
  target?: string | null;
  /** State before (JSON-able); null/undefined when not applicable. Never a secret. */
  before?: unknown;
  /** State after, or the requested state for a refusal (JSON-able). Never a secret. */
  after?: unknown;
  /** Why the person did it, in their words. */
  reason?: string | null;
  outcome: AuditOutcome;
  /** Why it was refused or how it failed. */
  refusal?: string | null;
}

/** A stored audit row. */
export interface AuditRecord {
  id: number;
  atMs: number;
  actor: string;
  role: UserRole | null;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  outcome: AuditOutcome;
  refusal: string | null;
}

/** Filters for `AuditTrail.list`; the time range is half-open [fromMs, toMs), like alarm queries. */
export interface AuditQuery {
  fromMs?: number;
  toMs?: number;
  actor?: string;
  action?: string;
  target?: string;
  outcome?: AuditOutcome;
  /** Most rows returned (newest first). */
  limit: number;
}

/** Knobs for `AuditTrail`. */
export interface AuditTrailOptions {
  /** Clock for `at_ms`; injected so tests are deterministic. Default `Date.now`. */
  nowMs?: () => number;
}

interface AuditRow {
  id: number;
  at_ms: number;
  actor: string;
  role: UserRole | null;
  action: string;
  target: string | null;
  before_json: string | null;
  after_json: string | null;
  reason: string | null;
  outcome: AuditOutcome;
  refusal: string | null;
}

type Stmt = Database.Statement<unknown[], unknown>;

/** JSON for a before/after column; `undefined` and `null` both mean "not applicable". */
function toJson(value: unknown): string | null {
  return value == null ? null : (JSON.stringify(value) ?? null);
}

function fromJson(json: string | null, id: number, column: string): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    throw new StoreRequestError('VIGIL_CORRUPT_AUDIT_TRAIL', `audit row ${id}: ${column} does not parse as JSON`);
  }
}

function toRecord(r: AuditRow): AuditRecord {
  return {
    id: r.id,
    atMs: r.at_ms,
    actor: r.actor,
    role: r.role,
    action: r.action,
    target: r.target,
    before: fromJson(r.before_json, r.id, 'before_json'),
    after: fromJson(r.after_json, r.id, 'after_json'),
    reason: r.reason,
    outcome: r.outcome,
    refusal: r.refusal,
  };
}

/**
 * The append-only record of what people did and were refused (schema v3, `audit_trail`).
 *
 * Durability: every `record` commits its own IMMEDIATE transaction with `synchronous = FULL` for
 * that commit, then restores the connection's previous level (NORMAL). NORMAL in WAL mode may lose
 * the last commits on power loss; that is acceptable for alarm samples the machine will repeat, not
 * for "who reset the trip latch": the person has already been told it was done. One fsync per
 * human action (a few per minute at most) costs nothing. For the same reason audit rows never go
 * through the deferred `StoreWriter` queue, and `record` refuses to run inside a transaction
 * someone else opened (its row would commit, or roll back, with theirs, at their durability).
 *
 * It shares the engine's connection, which is safe because better-sqlite3 is synchronous: no
 * writer batch can run between the pragma switch and its restore.
 */
export class AuditTrail {
  readonly #db: Database.Database;
  readonly #nowMs: () => number;
  readonly #insert: Stmt;
  readonly #list: Stmt;

  constructor(db: Database.Database, options: AuditTrailOptions = {}) {
    this.#db = db;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#insert = db.prepare(`INSERT INTO audit_trail (at_ms, actor, role, action, target, before_json, after_json, reason, outcome, refusal)
      VALUES (@atMs, @actor, @role, @action, @target, @beforeJson, @afterJson, @reason, @outcome, @refusal)`);
    this.#list = db.prepare(`SELECT * FROM audit_trail WHERE at_ms >= @fromMs AND at_ms < @toMs
      AND (@actor IS NULL OR actor = @actor) AND (@action IS NULL OR action = @action)
      AND (@target IS NULL OR target = @target) AND (@outcome IS NULL OR outcome = @outcome)
      ORDER BY at_ms DESC, id DESC LIMIT @limit`);
  }

  /** The clock rows are stamped with, so callers that derive times (a shelve's end) agree with the row. */
  nowMs(): number {
    return this.#nowMs();
  }

  /**
   * Appends one row, durably, and returns its id. With `change`, the change (e.g. inserting a user)
   * runs in the same transaction, so the state change and its record commit together or not at
   * all; if `change` throws, nothing is written and the error propagates (the caller then records
   * the refusal on its own). `change` is given the row's `at_ms`, so a time it stores (a sign-in)
   * agrees with the row to the millisecond. Throws `StoreRequestError` (`VIGIL_AUDIT_IN_TRANSACTION`) if the
   * connection is already inside a transaction.
   */
  record(entry: AuditEntryInput, change?: (atMs: number) => void): number {
    if (this.#db.inTransaction) {
      throw new StoreRequestError(
        'VIGIL_AUDIT_IN_TRANSACTION',
        `audit row for ${entry.action} by ${entry.actor} must commit in its own transaction, not inside another`,
      );
    }
    const params = {
      atMs: this.#nowMs(),
      actor: entry.actor,
      role: entry.role,
      action: entry.action,
      target: entry.target ?? null,
      beforeJson: toJson(entry.before),
      afterJson: toJson(entry.after),
      reason: entry.reason ?? null,
      outcome: entry.outcome,
      refusal: entry.refusal ?? null,
    };
    const previous = this.#db.pragma('synchronous', { simple: true }) as number;
    this.#db.pragma('synchronous = FULL');
    try {
      return this.#db
        .transaction(() => {
          change?.(params.atMs);
          return Number(this.#insert.run(params).lastInsertRowid);
        })
        .immediate();
    } finally {
      this.#db.pragma(`synchronous = ${previous}`);
    }
  }

  /** Rows in [fromMs, toMs) matching every given filter, newest first. */
  list(q: AuditQuery): AuditRecord[] {
    const rows = this.#list.all({
      fromMs: q.fromMs ?? -Infinity,
      toMs: q.toMs ?? Infinity,
      actor: q.actor ?? null,
      action: q.action ?? null,
      target: q.target ?? null,
      outcome: q.outcome ?? null,
      limit: q.limit,
    }) as AuditRow[];
    return rows.map(toRecord);
  }
}
