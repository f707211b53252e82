import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeatureDownsampler } from '../../../engine/store/featureDownsampler';
import { MAX_HISTORY_LOAD_S } from '../../../engine/store/FeatureHistory';
import { openDatabase } from '../../../engine/store/openDatabase';
import type { FeatureHistoryRow } from '../../../engine/store/records';
import { Repository } from '../../../engine/store/Repository';
import type { Scheduler } from '../../../engine/store/scheduler';
import { SqliteBackend } from '../../../engine/store/SqliteBackend';
import { StoreWriter } from '../../../engine/store/StoreWriter';
import { assetConfig, bitsOf, tempDirs } from './fixtures';

const tmp = tempDirs();
let path: string;
let db: Database.Database;
let repo: Repository;

beforeEach(() => {
  path = tmp.path();
  db = openDatabase(path, { nowMs: () => 0 }).db;
  repo = new Repository(db);
  repo.upsertAsset(assetConfig('pump-1'), 0);
  repo.upsertAsset(assetConfig('pump-2'), 0);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const row = (tS: number, score: number | null, velocityMmS: number | null, channelId = 'de_accel', assetId = 'pump-1'): FeatureHistoryRow => ({
  assetId, channelId, tS, score, velocityMmS,
});
const stored = () => db.prepare('SELECT asset_id, channel_id, t_s, score, velocity_mm_s FROM feature_history ORDER BY 1, 2, 3').raw().all();
const DAY_S = 86_400;

describe('FeatureHistory', () => {
  it('replaces a second written again (both values, null included), through the writer op too', async () => {
    repo.history.append([row(10, 0.5, 2.5), row(11, 0.7, null), row(10, 0.5, 2.5, 'fan_accel')]);
    repo.history.append([row(10, 0.25, null), row(11, NaN, 3)]); // NaN is stored as "not measured"
    const w = new StoreWriter({ backend: new SqliteBackend(repo), scheduler: { defer: () => () => undefined, after: () => () => undefined } });
    w.enqueue({ kind: 'appendFeatureHistory', rows: [row(11, 0.9, 3.5), row(12, 1, 1)] });
    w.enqueue({ kind: 'appendFeatureHistory', rows: [row(12, 2, 2)] });
    await w.close();
    expect(stored()).toEqual([
      ['pump-1', 'de_accel', 10, 0.25, null],
      ['pump-1', 'de_accel', 11, 0.9, 3.5],
      ['pump-1', 'de_accel', 12, 2, 2],
      ['pump-1', 'fan_accel', 10, 0.5, 2.5],
    ]);
  });

  it('loads one float32 column pair per channel from the first second ≥ fromMs to before toMs, NaN where nothing was measured', () => {
    const awkward = [-0, Math.fround(1.4e-45), Infinity, -Infinity, 3.4028234663852886e38, 0.1, 1 / 3, 1e-300];
    repo.history.append(awkward.map((v, i) => row(200 + i, v, -v)));
    repo.history.append([row(100, 1.5, 4.25), row(101, null, 7.5), row(103, 2.75, null), row(104, null, null), row(105, 9, 9)]);
    repo.history.append([row(101, 0.125, 1, 'fan_accel'), row(102, 8, 8, 'de_accel', 'pump-2')]);

    const h = repo.history.load('pump-1', ['fan_accel', 'de_accel', 'no_such'], 99_000.5, 105_000);
    expect(h).toEqual({
      assetId: 'pump-1',
      startMs: 100_000,
      periodMs: 1000,
      channels: [
        { channelId: 'fan_accel', score: Float32Array.of(NaN, 0.125, NaN, NaN, NaN), velocityMmS: Float32Array.of(NaN, 1, NaN, NaN, NaN) },
        { channelId: 'de_accel', score: Float32Array.of(1.5, NaN, NaN, 2.75, NaN), velocityMmS: Float32Array.of(4.25, 7.5, NaN, NaN, NaN) },
        { channelId: 'no_such', score: new Float32Array(5).fill(NaN), velocityMmS: new Float32Array(5).fill(NaN) },
      ],
    });
    expect(repo.history.load('pump-1', ['de_accel'], 100_000, 105_000.1).channels[0]?.score[5]).toBe(9); // toMs past 105 s includes it
    expect(repo.history.load('pump-1', ['de_accel'], 100_000, 100_000).channels[0]?.score).toEqual(new Float32Array(0));

    // Bit for bit what a Float32Array makes of the written doubles, except that SQLite stores -0 as 0.
    const corners = repo.history.load('pump-1', ['de_accel'], 200_000, 208_000).channels[0]!;
    expect(bitsOf(corners.score)).toEqual(bitsOf(Float32Array.from(awkward, (v) => (v === 0 ? 0 : v))));
    expect(bitsOf(corners.velocityMmS)).toEqual(bitsOf(Float32Array.from(awkward, (v) => (v === 0 ? 0 : -v))));
  });

  it('places rows correctly across the day-sized chunks it reads in', () => {
    const t0S = 1_700_000_000;
    const at = [0, DAY_S - 1, DAY_S, DAY_S + 1, 2 * DAY_S + 5, 3 * DAY_S - 1];
    repo.history.append(at.map((i) => row(t0S + i, i, i / 2)));
    const h = repo.history.load('pump-1', ['de_accel'], t0S * 1000, (t0S + 3 * DAY_S) * 1000);
    const c = h.channels[0]!;
    expect(c.score.length).toBe(3 * DAY_S);
    const found = [...c.score.keys()].filter((i) => !Number.isNaN(c.score[i]));
    expect(found).toEqual(at);
    expect(found.map((i) => [c.score[i], c.velocityMmS[i]])).toEqual(at.map((i) => [i, i / 2]));
  });

  it('refuses a range it cannot load: unordered, unbounded, or longer than a year', () => {
    expect(() => repo.history.load('pump-1', ['de_accel'], 2000, 1000)).toThrow(RangeError);
    expect(() => repo.history.load('pump-1', ['de_accel'], 0, Infinity)).toThrow(/not a finite, ordered range/);
    expect(() => repo.history.load('pump-1', ['de_accel'], 0, (MAX_HISTORY_LOAD_S + 1) * 1000)).toThrow(/exceeds the 31622400 s limit/);
  });

  it('prunes rows of every asset and channel before a time, in short transactions that let other writers in', async () => {
    const rows: FeatureHistoryRow[] = [];
    for (const assetId of ['pump-1', 'pump-2']) {
      for (const channelId of ['de_accel', 'fan_accel']) for (let tS = 0; tS < 10; tS++) rows.push(row(tS, tS, null, channelId, assetId));
    }
    repo.history.append(rows);
    // Between two batches another connection writes without waiting: the write lock is free.
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    let yields = 0;
    const scheduler: Scheduler = {
      defer(fn) {
        yields++;
        other.prepare("INSERT INTO feature_history VALUES ('pump-2', 'fan_accel', ?, 1, NULL)").run(1000 + yields);
        setImmediate(fn);
        return () => undefined;
      },
      after: () => () => undefined,
    };
    try {
      expect(await repo.history.prune(5_000.5, { batchRows: 4, scheduler })).toBe(24); // t_s 0…5 of 4 channels
      expect(yields).toBe(4 * 2); // 6 rows per channel in batches of 4
    } finally {
      other.close();
    }
    const written = Array.from({ length: yields }, (_, i) => ['pump-2', 'fan_accel', 1001 + i, 1, null]);
    expect(stored()).toEqual([...rows.filter((r) => r.tS >= 6).map((r) => [r.assetId, r.channelId, r.tS, r.score, null]), ...written]); // written sort last: pump-2/fan_accel, t_s ≥ 1001
    expect(await repo.history.prune(5_000.5)).toBe(0);
    expect(await repo.history.prune(-Infinity)).toBe(0);
    expect(await repo.history.prune(Infinity)).toBe(16 + 8);
    expect(stored()).toEqual([]);
  });

  it('stores what the downsampler keeps: the maximum of every second', async () => {
    const ds = new FeatureDownsampler();
    const w = new StoreWriter({ backend: new SqliteBackend(repo), scheduler: { defer: () => () => undefined, after: () => () => undefined } });
    const windows: [number, number | null, number | null][] = [
      [10_000, 0.2, 1], [10_170, 3.5, null], [10_340, 0.1, 2], // a one-window spike must survive
      [11_010, null, null], [11_500, 0.4, null],
      [13_200, 0.3, 1.5],
    ];
    for (const [atMs, score, velocityMmS] of windows) {
      const rows = ds.push('pump-1', 'de_accel', atMs, score, velocityMmS);
      if (rows.length > 0) w.enqueue({ kind: 'appendFeatureHistory', rows });
    }
    w.enqueue({ kind: 'appendFeatureHistory', rows: ds.flush() });
    await w.close();
    const c = repo.history.load('pump-1', ['de_accel'], 10_000, 14_000).channels[0]!;
    expect([c.score, c.velocityMmS]).toEqual([Float32Array.of(3.5, 0.4, NaN, 0.3), Float32Array.of(2, NaN, NaN, 1.5)]);
  });

  it('loads 30 days of one channel (2.6 M rows) in a few seconds', () => {
    const t0S = 1_700_000_000;
    const n = 30 * DAY_S;
    const hole = [1_000_000, 1_003_600]; // an hour with no rows
    const score = (i: number) => (i % 600 === 0 ? null : (i % 997) * 0.001);
    db.prepare(`WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < @n - 1)
      INSERT INTO feature_history SELECT 'pump-1', 'de_accel', @t0S + i, CASE WHEN i % 600 = 0 THEN NULL ELSE (i % 997) * 0.001 END, (i % 31) * 0.1
      FROM s WHERE i < @holeFrom OR i >= @holeTo`).run({ n, t0S, holeFrom: hole[0], holeTo: hole[1] });

    const started = performance.now();
    const h = repo.history.load('pump-1', ['de_accel'], t0S * 1000, (t0S + n) * 1000);
    const elapsedMs = performance.now() - started;
    console.log(`[FeatureHistory] 30 days × 1 channel (${n} s) loaded in ${elapsedMs.toFixed(0)} ms`);

    const c = h.channels[0]!;
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const inHole = i >= hole[0]! && i < hole[1]!;
      const s = inHole ? null : score(i);
      const expectedScore = s === null ? NaN : Math.fround(s);
      const expectedVelocity = inHole ? NaN : Math.fround((i % 31) * 0.1);
      if (!Object.is(c.score[i], expectedScore) || !Object.is(c.velocityMmS[i], expectedVelocity)) mismatches++;
    }
    expect({ length: c.score.length, mismatches }).toEqual({ length: n, mismatches: 0 });
    expect(elapsedMs).toBeLessThan(20_000); // loose: shared CI machines; the figure above is what to read
  });
});
