import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** One event waiting to be forwarded, in the order it was queued. */
export interface OutboxItem {
  /** Increasing across restarts of the same outbox file: the forwarding order. */
  seq: number;
  topic: string;
  /** JSON text. */
  payload: string;
  queuedAtMs: number;
}

/** What the outbox holds and has done since it was opened. */
export interface OutboxCounters {
  queued: number;
  /** Oldest waiting event's queue time, or null when empty. */
  oldestQueuedAtMs: number | null;
  /** Events deleted unforwarded because the outbox was full (oldest first). */
  dropped: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  queued_at_ms REAL NOT NULL
);
`;

/**
 * Events on their way to the plant's broker, kept in a SQLite file of their own until the broker
 * has confirmed them. Why on disk: a broker outage, or an engine restart during one, must not lose
 * the alarms and trips the plant's historian and other consoles are waiting for. Why a file of its
 * own: the outbox is written and emptied all the time while the broker is up, and that churn must
 * not share locks or a WAL with the incident store.
 *
 * Bounded: beyond `maxQueued` events the oldest are deleted and counted (`dropped`), so a broker
 * that is gone for weeks fills a known amount of disk, not the disk.
 */
export class EventOutbox {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #trim: Database.Statement;
  readonly #count: Database.Statement;
  readonly #peek: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #oldest: Database.Statement;
  readonly #maxQueued: number;
  #dropped = 0;

  constructor(path: string, o: { maxQueued: number }) {
    if (!(Number.isInteger(o.maxQueued) && o.maxQueued > 0)) throw new Error(`maxQueued must be a positive whole number, got ${o.maxQueued}`);
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    // An event lost in a power cut is one the controller's own records still have; a trip never waits on this file.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
    this.#maxQueued = o.maxQueued;
    this.#insert = this.#db.prepare('INSERT INTO outbox (topic, payload, queued_at_ms) VALUES (?, ?, ?)');
    this.#count = this.#db.prepare('SELECT count(*) AS n FROM outbox').pluck();
    this.#trim = this.#db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)');
    this.#peek = this.#db.prepare('SELECT seq, topic, payload, queued_at_ms AS queuedAtMs FROM outbox ORDER BY seq LIMIT ?');
    this.#delete = this.#db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.#oldest = this.#db.prepare('SELECT min(queued_at_ms) FROM outbox').pluck();
  }

  /** Queues `items` in one transaction, deleting the oldest beyond `maxQueued`; returns how many were deleted. */
  add(items: readonly Omit<OutboxItem, 'seq'>[]): number {
    return this.#db.transaction(() => {
      for (const i of items) this.#insert.run(i.topic, i.payload, i.queuedAtMs);
      const over = (this.#count.get() as number) - this.#maxQueued;
      if (over <= 0) return 0;
      this.#trim.run(over);
      this.#dropped += over;
      return over;
    })();
  }

  /** The oldest `limit` events, in order. */
  peek(limit: number): OutboxItem[] {
    return this.#peek.all(limit) as OutboxItem[];
  }

  /** Deletes the events the broker confirmed. */
  remove(seqs: readonly number[]): void {
    this.#db.transaction(() => {
      for (const s of seqs) this.#delete.run(s);
    })();
  }

  counters(): OutboxCounters {
    return { queued: this.#count.get() as number, oldestQueuedAtMs: (this.#oldest.get() as number | null) ?? null, dropped: this.#dropped };
  }

  close(): void {
    this.#db.close();
  }
}
