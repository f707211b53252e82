import type Database from 'better-sqlite3';
import type { AssetHistory } from '../backtest/backtest';
import type { FeatureHistoryRow } from './records';
import { nodeScheduler, type Scheduler } from './scheduler';

/**
 * Longest span `load` accepts: a year. Each channel costs 8 bytes per second (two float32
 * columns), so a year of one channel is 252 MB; a caller asking for more (an unbounded `toMs`)
 * has a bug that should not take the engine's memory with it.
 */
export const MAX_HISTORY_LOAD_S = 366 * 86_400;

/** Seconds fetched per query by `load`: a day, about 5 MB of JSON text per channel. */
const LOAD_CHUNK_S = 86_400;

/** Knobs for `FeatureHistory.prune`. */
export interface PruneOptions {
  /**
   * Rows deleted per transaction. Default 5 000: measured 4.5–8 ms per batch (median; worst 35 ms)
   * on a shared 2-core sandbox.
   */
  batchRows?: number;
  /** Yields between batches, so the engine's frames and the writer's batches run in between. */
  scheduler?: Scheduler;
}

/** NaN (a window with no value) is stored as "not measured", which is also what SQLite would do. */
const measured = (v: number | null): number | null => (v === null || Number.isNaN(v) ? null : v);

/** Every statement the history runs, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  const where = 'FROM feature_history WHERE asset_id = ? AND channel_id = ?';
  return {
    upsert: db.prepare(`INSERT INTO feature_history (asset_id, channel_id, t_s, score, velocity_mm_s) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (asset_id, channel_id, t_s) DO UPDATE SET score = excluded.score, velocity_mm_s = excluded.velocity_mm_s`),
    // One row per chunk: three JSON arrays built inside SQLite (see `FeatureHistory` for why).
    range: db
      .prepare(`SELECT json_group_array(t_s), json_group_array(score), json_group_array(velocity_mm_s) ${where} AND t_s >= ? AND t_s < ?`)
      .raw(true),
    // Distinct (asset, channel) pairs, found by seeking the clustered key rather than scanning every row.
    firstPair: db.prepare('SELECT asset_id, channel_id FROM feature_history ORDER BY asset_id, channel_id LIMIT 1').raw(true),
    nextPair: db
      .prepare('SELECT asset_id, channel_id FROM feature_history WHERE (asset_id, channel_id) > (?, ?) ORDER BY asset_id, channel_id LIMIT 1')
      .raw(true),
    batchEnd: db.prepare(`SELECT t_s ${where} AND t_s < ? ORDER BY t_s LIMIT 1 OFFSET ?`).pluck(),
    deleteBefore: db.prepare(`DELETE ${where} AND t_s < ?`),
  };
}

/**
 * The 1-second feature history (schema v4, `feature_history`): what the threshold backtest
 * replays. It shares the repository's connection, so `appendFeatureHistory` ops join the writer's
 * batch transaction.
 *
 * Read speed: `load` walks one clustered key range per channel, a day per query, and lets SQLite
 * pack each day into three JSON arrays (`json_group_array`), which `JSON.parse` turns into numbers
 * far faster than better-sqlite3 hands over rows: per-row native-to-JS transfer, not SQLite, is the
 * cost (the scan itself takes ~0.2 s a month). SQLite renders REAL in JSON so that it parses back
 * to the same double (the tests check float32 corner cases bit for bit), so nothing is lost.
 * Measured for 30 days of one channel (2 592 000 rows) on a shared 2-core sandbox with other test
 * runs going: 1.45–1.6 s standalone and 1.6–2.9 s inside vitest this way; 3.0–4.3 s with
 * `stmt.raw().iterate()`; 2.2–3.4 s with day-chunked `raw().all()`. FeatureHistory.int.test.ts
 * prints the figure on every run.
 * The cost is per row, so a 20-asset × 2-channel backtest month is ~40× that: load what is tested.
 */
export class FeatureHistory {
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
   * Writes rows; a row for a second already stored replaces it (both values), so a restart that
   * writes a second again, or a replay of a recording, leaves one row per second. The asset must
   * be stored (`SQLITE_CONSTRAINT_FOREIGNKEY` otherwise), and `tS` must be an integer.
   */
  append(rows: readonly FeatureHistoryRow[]): void {
    for (const r of rows) this.#stmts.upsert.run(r.assetId, r.channelId, r.tS, measured(r.score), measured(r.velocityMmS));
  }

  /**
   * One asset's history over [fromMs, toMs) as the backtest's columnar `AssetHistory`: `startMs`
   * is the first whole second ≥ fromMs, one value per second, one column pair per requested
   * channel in the order given; NaN where no row was stored or the value was not measured. Values
   * are float32 (the backtest's type), i.e. `Math.fround` of what was written (-0 reads as 0:
   * SQLite stores integral reals as integers).
   * Throws RangeError for non-finite bounds or a span above `MAX_HISTORY_LOAD_S`.
   */
  load(assetId: string, channelIds: readonly string[], fromMs: number, toMs: number): AssetHistory {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) {
      throw new RangeError(`feature history range [${fromMs}, ${toMs}) is not a finite, ordered range`);
    }
    const startS = Math.ceil(fromMs / 1000);
    const endS = Math.max(startS, Math.ceil(toMs / 1000)); // seconds t with t·1000 < toMs
    const n = endS - startS;
    if (n > MAX_HISTORY_LOAD_S) {
      throw new RangeError(`feature history load of ${n} s exceeds the ${MAX_HISTORY_LOAD_S} s limit; load it in parts`);
    }
    const channels = channelIds.map((channelId) => {
      const score = new Float32Array(n).fill(NaN);
      const velocityMmS = new Float32Array(n).fill(NaN);
      for (let chunkS = startS; chunkS < endS; chunkS += LOAD_CHUNK_S) {
        const chunkEndS = Math.min(endS, chunkS + LOAD_CHUNK_S);
        const [tJson, scoreJson, velocityJson] = this.#stmts.range.get(assetId, channelId, chunkS, chunkEndS) as [string, string, string];
        const ts = JSON.parse(tJson) as number[];
        const scores = JSON.parse(scoreJson) as (number | null)[];
        const velocities = JSON.parse(velocityJson) as (number | null)[];
        for (let k = 0; k < ts.length; k++) {
          const i = ts[k]! - startS;
          const s = scores[k]!;
          const v = velocities[k]!;
          if (s !== null) score[i] = s;
          if (v !== null) velocityMmS[i] = v;
        }
      }
      return { channelId, score, velocityMmS };
    });
    return { assetId, startMs: startS * 1000, periodMs: 1000, channels };
  }

  /**
   * Retention: deletes every row whose second starts before `beforeMs` (t_s·1000 < beforeMs),
   * of every asset and channel, and resolves with the number deleted. Deletes run in transactions
   * of at most `batchRows` rows with a yield in between, so neither the write lock nor this thread
   * is held for long: the writer's batches and the engine's frames run between two batches.
   */
  async prune(beforeMs: number, options: PruneOptions = {}): Promise<number> {
    if (Number.isNaN(beforeMs)) throw new RangeError('prune needs a time, got NaN');
    if (beforeMs === -Infinity) return 0;
    const batchRows = Math.max(1, Math.floor(options.batchRows ?? 5_000));
    const scheduler = options.scheduler ?? nodeScheduler;
    const cutS = beforeMs === Infinity ? Number.MAX_SAFE_INTEGER : Math.ceil(beforeMs / 1000);
    let deleted = 0;
    let pair = this.#stmts.firstPair.get() as [string, string] | undefined;
    while (pair) {
      const [assetId, channelId] = pair;
      for (;;) {
        const step = this.#db
          .transaction(() => {
            // Delete below the (batchRows+1)-th old row, or below the cut when fewer remain.
            const end = this.#stmts.batchEnd.get(assetId, channelId, cutS, batchRows) as number | undefined;
            return { changes: this.#stmts.deleteBefore.run(assetId, channelId, end ?? cutS).changes, more: end !== undefined };
          })
          .immediate();
        deleted += step.changes;
        await new Promise<void>((resolve) => scheduler.defer(resolve));
        if (!step.more) break;
      }
      pair = this.#stmts.nextPair.get(assetId, channelId) as [string, string] | undefined;
    }
    return deleted;
  }
}
