import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BacktestError, BacktestWorkerHost } from '../../../engine/config/BacktestWorkerHost';
import { backtestFromStore, type BacktestRequest, type BacktestRunner, type BacktestSummary } from '../../../engine/config/proposalBacktest';
import { parseProtectionConfig, type ProtectionConfig, type SetpointGroupInput } from '../../../engine/protect/protectionConfig';
import type { FeatureHistoryRow } from '../../../engine/store/records';
import { openStore, type Store } from '../../../engine/store/openStore';
import { assetConfig, tempDirs } from '../store/fixtures';

const H = 3_600_000;
const DAY_S = 86_400;
/** Days of 1-s history on two channels: one backtest over all of it took 1.3–1.7 s inline on a shared 2-core sandbox. */
const DAYS = 8;
const T0 = 1_700_006_400_000; // a whole day in seconds, so day d starts at T0 + d days

function config(input: unknown): ProtectionConfig {
  const r = parseProtectionConfig(input);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}
const velocity = (over: Partial<SetpointGroupInput> = {}): SetpointGroupInput => ({
  id: 'velocity', quantity: { kind: 'velocityMmS' }, alert: 4.5, danger: 7.1, onDelayMs: 10_000, voting: '1oo1', channels: ['de'], qualityPolicy: 'ignore-channel', ...over,
});
const CURRENT = config({ assetId: 'pump-1', groups: [velocity()] });
/** Voting over both channels with a lower alert: it sees the nde-only excursions and misses the de-only trips. */
const PROPOSED = config({ assetId: 'pump-1', groups: [velocity({ alert: 4, voting: '2oo2', channels: ['de', 'nde'] })] });
const request = (fromMs: number, toMs: number, over: Partial<BacktestRequest> = {}): BacktestRequest => ({ assetId: 'pump-1', current: CURRENT, proposed: PROPOSED, fromMs, toMs, ...over });
const WHOLE = request(T0, T0 + DAYS * DAY_S * 1000);
const SIX_HOURS = request(T0 + 20 * H, T0 + 26 * H);

/**
 * One day of pump-1's history, deterministic: 2 ± 1 mm/s on both channels; every 6 h a 2-minute
 * excursion (de +4, nde +3); at noon a minute at 9 mm/s on de alone (a trip for CURRENT, not for
 * PROPOSED); on day 2, ten minutes where nde was not measured.
 */
function day(d: number): FeatureHistoryRow[] {
  const rows: FeatureHistoryRow[] = [];
  for (let k = 0; k < DAY_S; k++) {
    const tS = T0 / 1000 + d * DAY_S + k;
    const base = 2 + Math.sin(tS / 600);
    const excursion = k % 21_600 < 120;
    const noonSpike = k >= 43_200 && k < 43_260;
    const ndeGap = d === 2 && k >= 1_000 && k < 1_600;
    rows.push({ assetId: 'pump-1', channelId: 'de', tS, score: 0.2, velocityMmS: noonSpike ? 9 : base + (excursion ? 4 : 0) });
    rows.push({ assetId: 'pump-1', channelId: 'nde', tS, score: 0.2, velocityMmS: ndeGap ? NaN : base + (excursion ? 3 : 0) });
  }
  return rows;
}

const tmp = tempDirs();
let path: string;
/** The engine's connection (read-write, migrated), kept open while the thread reads, as in production. */
let store: Store;
const inline = (r: BacktestRequest): BacktestSummary => backtestFromStore(store.repo, r);

beforeAll(() => {
  path = tmp.path();
  store = openStore(path);
  store.repo.upsertAsset(assetConfig('pump-1'), T0);
  for (let d = 0; d < DAYS; d++) store.repo.transaction(() => store.repo.history.append(day(d)));
  // Incidents: each noon trip, and one at 22:00 on day 0 that nothing announced.
  store.repo.transaction(() => {
    for (let d = 0; d < DAYS; d++) store.repo.openIncident({ id: `inc-${d}`, assetId: 'pump-1', openedMs: T0 + d * DAY_S * 1000 + 12 * H + 15_000, modelVersion: 'm-1' });
    store.repo.openIncident({ id: 'inc-quiet', assetId: 'pump-1', openedMs: T0 + 22 * H, modelVersion: 'm-1' });
  });
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

const hosts: BacktestWorkerHost[] = [];
function host(): BacktestWorkerHost {
  const h = new BacktestWorkerHost(path);
  hosts.push(h);
  return h;
}
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.dispose();
});

/** Runs `work` while a 1 ms interval ticks on this thread; returns its result and the longest gap between ticks. */
async function whileTicking<T>(work: () => Promise<T>): Promise<{ value: T; maxGapMs: number; elapsedMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  try {
    const value = await work();
    return { value, maxGapMs: Math.max(maxGapMs, performance.now() - last), elapsedMs: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

describe('backtests in a worker thread on a read-only connection to the store file', () => {
  it('given six hours with an excursion and a quiet incident, when backtested in the thread, then the summary equals the inline one', async () => {
    const runner: BacktestRunner = host().run; // what ConfigService takes as its `backtest` option
    const expected = inline(SIX_HOURS);
    expect(expected).toMatchObject({ windows: 6 * 3600, channelIds: ['de', 'nde'], incidents: 1 });
    expect(expected.current.detections).toEqual([{ incidentId: 'inc-quiet', detected: false, leadMs: null }]);
    expect(await runner(SIX_HOURS)).toStrictEqual(expected);
  });

  it(`given ${DAYS} days of 1-s history on two channels, when backtested in the thread, then a 1 ms interval here keeps firing and the summary equals the inline one`, async () => {
    // Inline, measured the same way: the interval cannot fire until the backtest returns.
    const { value: expected, maxGapMs: inlineGapMs } = await whileTicking(async () => inline(WHOLE));
    expect(expected.windows).toBe(DAYS * DAY_S);
    expect(expected.current.trips).toBeGreaterThan(0);
    expect(expected.current).not.toEqual(expected.proposed);

    const h = host();
    const { value, maxGapMs, elapsedMs } = await whileTicking(() => h.run(WHOLE));
    console.log(`[backtestWorker] ${DAYS} days × 2 channels: inline, this thread blocked ${inlineGapMs.toFixed(0)} ms; in the thread ${elapsedMs.toFixed(0)} ms, with the longest gap between 1 ms ticks here ${maxGapMs.toFixed(1)} ms`);
    expect(inlineGapMs).toBeGreaterThan(100);
    expect(maxGapMs).toBeLessThan(100);
    expect(value).toStrictEqual(expected);
  });

  it('given a thread terminated in the middle of a long backtest, then that run rejects saying so, a queued run goes on in a new thread, and so does the next', async () => {
    const h = host();
    await h.run(SIX_HOURS); // the thread is up, so the long run below is running when it is killed
    const long = h.run(WHOLE).then(() => null, (err: unknown) => err);
    const queued = h.run(SIX_HOURS);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.terminate();
    const error = await long;
    expect(error).toBeInstanceOf(BacktestError);
    expect(error).toMatchObject({
      code: 'VIGIL_BACKTEST_THREAD_DIED',
      message: `backtest of pump-1 over [${WHOLE.fromMs}, ${WHOLE.toMs}) did not finish: backtest thread terminated by its host; the next backtest starts a new thread`,
    });
    expect(await queued).toStrictEqual(inline(SIX_HOURS));
    expect(await h.run(SIX_HOURS)).toStrictEqual(inline(SIX_HOURS));
    expect(h.threadsStarted).toBe(2);
  });

  it('given requests the store refuses, then each rejects with the store message and the same thread answers the next', async () => {
    const h = host();
    const overAYear = request(T0, T0 + 400 * DAY_S * 1000);
    const notFinite = request(T0, Number.NaN);
    const storeMessage = (r: BacktestRequest): string => {
      try {
        inline(r);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('the store accepted it');
    };
    await expect(h.run(overAYear)).rejects.toMatchObject({
      name: 'BacktestError',
      code: 'VIGIL_BACKTEST_FAILED',
      message: storeMessage(overAYear),
      thrown: { name: 'RangeError', message: storeMessage(overAYear), code: null },
    });
    await expect(h.run(notFinite)).rejects.toMatchObject({ code: 'VIGIL_BACKTEST_FAILED', message: storeMessage(notFinite) });
    expect(await h.run(SIX_HOURS)).toStrictEqual(inline(SIX_HOURS));
    expect(h.threadsStarted).toBe(1);
  });

  it('given a request that cannot be cloned, then it rejects before reaching the thread and the next one runs', async () => {
    const h = host();
    const withFunction = request(T0, T0 + H, { current: { ...CURRENT, onTrip: () => undefined } as ProtectionConfig });
    await expect(h.run(withFunction)).rejects.toMatchObject({
      code: 'VIGIL_BACKTEST_FAILED',
      message: expect.stringMatching(/^backtest of pump-1 over \[\d+, \d+\) cannot be sent to the backtest thread: .*could not be cloned/),
      thrown: { name: 'DataCloneError' },
    });
    expect(await h.run(SIX_HOURS)).toStrictEqual(inline(SIX_HOURS));
    expect(h.threadsStarted).toBe(1);
  });

  it('given an unknown asset, then the thread answers as the store does inline: no history, no windows, not an error', async () => {
    const unknown = request(T0, T0 + 6 * H, { assetId: 'no-such-pump' });
    expect(inline(unknown)).toMatchObject({ windows: 0, incidents: 0 });
    expect(await host().run(unknown)).toStrictEqual(inline(unknown));
  });

  it('given a database file that does not exist, then the run rejects with SQLite message and no file is created', async () => {
    const missingPath = tmp.path('missing.sqlite');
    const missing = new BacktestWorkerHost(missingPath);
    hosts.push(missing);
    await expect(missing.run(SIX_HOURS)).rejects.toMatchObject({ code: 'VIGIL_BACKTEST_FAILED', thrown: { code: 'SQLITE_CANTOPEN' } });
    expect(existsSync(missingPath)).toBe(false);
    expect(missing.threadsStarted).toBe(1);
  });

  it('given three runs at once, then they run one at a time in order and each gets its own summary', async () => {
    const h = host();
    const spans = [request(T0, T0 + 3 * H), request(T0 + 11 * H, T0 + 13 * H), request(T0 + 26 * H, T0 + 28 * H)];
    expect(await Promise.all(spans.map((r) => h.run(r)))).toStrictEqual(spans.map(inline));
  });

  it('given a disposed host, then the running and queued backtests reject and later ones are refused', async () => {
    const h = host();
    const running = h.run(WHOLE);
    const queued = h.run(SIX_HOURS);
    const outcomes = Promise.allSettled([running, queued]);
    await h.dispose();
    expect(await outcomes).toMatchObject([
      { status: 'rejected', reason: { code: 'VIGIL_BACKTEST_DISPOSED', message: `backtest of pump-1 over [${WHOLE.fromMs}, ${WHOLE.toMs}) did not finish: the backtest host was disposed` } },
      { status: 'rejected', reason: { code: 'VIGIL_BACKTEST_DISPOSED', message: `backtest of pump-1 over [${SIX_HOURS.fromMs}, ${SIX_HOURS.toMs}) was not run: the backtest host was disposed` } },
    ]);
    await expect(h.run(SIX_HOURS)).rejects.toMatchObject({ code: 'VIGIL_BACKTEST_DISPOSED', message: /refused: the backtest host is disposed/ });
  });
});
