import { useEffect, useRef, useState } from 'react';
import { LiveViewSchema, type LiveView } from '../../engine/contract';
import type { ConsoleClient } from './consoleClient';
import { parseValue } from './shapes';
import { messageOf } from './useRequest';

/** Ten frames a second: smooth enough for a live chart, and a fixed rate whatever the engine's window rate. */
export const LIVE_PERIOD_MS = 100;
/** Next try after a failed request. */
const RETRY_MS = 1000;
/** Replies counted for the rate shown. */
const RATE_SPAN_MS = 3000;

/** What the asset page shows of its live data. */
export interface LiveState {
  view: LiveView | null;
  error: string | null;
  /** Replies applied since the page opened (the e2e test counts them). */
  updates: number;
  /** Browser time of the last reply applied, or null before the first. */
  receivedMs: number | null;
  /** Replies per second over the last 3 s. */
  ratePerS: number;
  /** Milliseconds from sending the last request to having its reply parsed (the host's answer time plus the wire). */
  latencyMs: number | null;
  /** Browser time now, refreshed at least once a second, so staleness shows even when replies stop. */
  nowMs: number;
}

/**
 * Polls `asset.live` at a fixed rate with one request in flight: requests fall due every
 * LIVE_PERIOD_MS on a fixed grid (timer jitter does not lower the rate), and the next one goes out
 * only once the previous reply is in. A reply later than its slot delays the next request; one
 * more than a period late restarts the grid. A slow host therefore slows the page's rate and never
 * builds a queue. Paused, it sends nothing. Owns its timers; an answer that arrives after the asset
 * changed or the page closed is dropped.
 */
export function useLiveView(client: Pick<ConsoleClient, 'request'>, assetId: string, channelId: string | undefined, paused: boolean): LiveState {
  const [state, setState] = useState<LiveState>({ view: null, error: null, updates: 0, receivedMs: null, ratePerS: 0, latencyMs: null, nowMs: Date.now() });
  const times = useRef<number[]>([]);

  // Another asset: nothing of the last one may stay on screen. (Another channel of the same asset keeps the frame until the next arrives.)
  useEffect(() => {
    times.current = [];
    setState((s) => ({ ...s, view: null, error: null, receivedMs: null, ratePerS: 0, latencyMs: null }));
  }, [assetId]);

  useEffect(() => {
    if (!assetId || paused) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    // Requests are due on a fixed grid, so timer jitter does not lower the rate; more than a period late, the grid restarts (no burst).
    let dueMs = performance.now();
    const tick = async (): Promise<void> => {
      const sentMs = performance.now();
      let view: LiveView | null = null;
      let error: string | null = null;
      try {
        view = parseValue(LiveViewSchema, await client.request('asset.live', channelId === undefined ? { assetId } : { assetId, channelId }), 'live view');
      } catch (err) {
        error = messageOf(err);
      }
      if (stopped) return;
      const now = Date.now();
      if (view) {
        const t = times.current;
        t.push(now);
        while (t.length > 0 && t[0]! < now - RATE_SPAN_MS) t.shift();
      }
      const ratePerS = times.current.length / (RATE_SPAN_MS / 1000);
      const latencyMs = Math.round(performance.now() - sentMs);
      setState((s) => (view ? { view, error: null, updates: s.updates + 1, receivedMs: now, ratePerS, latencyMs, nowMs: now } : { ...s, error, ratePerS, nowMs: now }));
      // After a refusal or a timeout, ask again once a second, not ten times.
      const doneMs = performance.now();
      dueMs += view ? LIVE_PERIOD_MS : RETRY_MS;
      if (dueMs < doneMs - LIVE_PERIOD_MS) dueMs = doneMs;
      timer = setTimeout(() => void tick(), Math.max(0, dueMs - doneMs));
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [client, assetId, channelId, paused]);

  // Replies may stop (host down, paused): the clock still moves, so "stale" can show.
  useEffect(() => {
    const clock = setInterval(() => setState((s) => ({ ...s, nowMs: Date.now() })), 1000);
    return () => clearInterval(clock);
  }, []);

  return state;
}
