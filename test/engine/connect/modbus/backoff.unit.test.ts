import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelayMs, backoffPolicy } from '../../../../engine/connect/modbus/backoff';

/** The reconnect schedule: doubling, capped, jittered downwards only. */
describe('backoffDelayMs', () => {
  it('given no jitter draw, when failures accumulate, then the delay doubles from 100 ms and stops at 5 s', () => {
    const delays = Array.from({ length: 9 }, (_, failures) => backoffDelayMs(failures, DEFAULT_BACKOFF, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('given the largest jitter draws, then a delay is at most 20 % shorter and never longer than the cap', () => {
    const almostOne = () => 0.999_999;
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, almostOne)).toBeCloseTo(80, 3);
    expect(backoffDelayMs(40, DEFAULT_BACKOFF, almostOne)).toBeCloseTo(4000, 2);
    expect(backoffDelayMs(1_000, DEFAULT_BACKOFF, () => 0)).toBe(5000);
  });

  it('given a fixed draw of 0.5, then the schedule the outage test relies on is 90, 180, 360, 720, 1440 ms', () => {
    expect([0, 1, 2, 3, 4].map((f) => backoffDelayMs(f, DEFAULT_BACKOFF, () => 0.5))).toEqual([90, 180, 360, 720, 1440]);
  });
});

describe('backoffPolicy', () => {
  it('given partial settings, then the rest are the defaults', () => {
    expect(backoffPolicy({ maxMs: 1000 })).toEqual({ initialMs: 100, maxMs: 1000, jitter: 0.2 });
  });

  it('given settings that would spin or never retry, then they are refused', () => {
    expect(() => backoffPolicy({ initialMs: 0 })).toThrow('back-off needs 0 < initialMs <= maxMs < Infinity, got 0 and 5000 ms');
    expect(() => backoffPolicy({ initialMs: 200, maxMs: 100 })).toThrow('got 200 and 100 ms');
    expect(() => backoffPolicy({ maxMs: Infinity })).toThrow('back-off needs');
    expect(() => backoffPolicy({ jitter: 1.5 })).toThrow('back-off jitter must be within 0..1, got 1.5');
  });
});
