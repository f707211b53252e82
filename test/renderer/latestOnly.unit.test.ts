import { describe, expect, it } from 'vitest';
import { LatestOnly, type LatestOutcome, type Timers } from '../../renderer/src/latestOnly';

/** Timers a test advances by hand: `advance(ms)` runs what falls due, in order. */
function manualTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimeout(fn, ms) {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      due.delete(handle as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const first = [...due.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!first) break;
        due.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = until;
    },
    pending: () => due.size,
    now: () => now,
  };
}

/** A host that answers only when the test says so. */
function slowHost() {
  const calls: Array<{ query: number; answer: (v: string) => void; fail: (e: Error) => void }> = [];
  const run = (query: number) => new Promise<string>((answer, fail) => calls.push({ query, answer, fail }));
  return { calls, run };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

describe('LatestOnly: one request in flight, the newest query wins', () => {
  it('given a drag of 300 positions 5 ms apart against a host answering every 40 ms, then one request per longest wait goes out, and the last answer is for the last position', async () => {
    const timers = manualTimers();
    const host = slowHost();
    const seen: Array<LatestOutcome<number, string>> = [];
    const latest = new LatestOnly(host.run, (o) => seen.push(o), { debounceMs: 30, maxWaitMs: 150, timers });
    for (let i = 0; i < 300; i++) {
      latest.request(i);
      timers.advance(5);
      // The host answers whatever is out 40 ms after it was sent.
      if (host.calls.length > 0 && i % 8 === 7) {
        for (const c of host.calls.splice(0)) c.answer(`moment ${c.query}`);
        await flush();
      }
    }
    // The drag stops; the newest query goes out after the quiet period and is answered.
    for (let round = 0; round < 3; round++) {
      timers.advance(100);
      for (const c of host.calls.splice(0)) c.answer(`moment ${c.query}`);
      await flush();
    }
    const stats = latest.stats();
    expect(stats.asked).toBe(300);
    // 1.5 s of dragging: never a quiet 30 ms, so one request per 150 ms (plus the wait for its answer), and the last one.
    console.log(`LatestOnly: ${stats.asked} positions asked, ${stats.sent} requests sent`);
    expect(stats.sent).toBeGreaterThanOrEqual(8);
    expect(stats.sent).toBeLessThanOrEqual(11);
    expect(seen.map((o) => o.query)).toEqual([...seen.map((o) => o.query)].sort((a, b) => a - b));
    expect(seen.at(-1)).toEqual({ query: 299, superseded: false, ok: true, value: 'moment 299' });
    expect(seen.length).toBe(stats.sent);
    expect(latest.busy).toBe(false);
  });

  it('given queries while a request is out, then only the newest is sent once it is answered, and the stale answer is delivered marked superseded', async () => {
    const timers = manualTimers();
    const host = slowHost();
    const seen: Array<LatestOutcome<number, string>> = [];
    const latest = new LatestOnly(host.run, (o) => seen.push(o), { debounceMs: 10, maxWaitMs: 100, timers });
    latest.request(1);
    timers.advance(10);
    expect(host.calls.map((c) => c.query)).toEqual([1]);
    for (const q of [2, 3, 4, 5]) {
      latest.request(q);
      timers.advance(50); // quiet, but one is out: nothing more is sent
    }
    expect(host.calls.map((c) => c.query)).toEqual([1]);
    host.calls.shift()!.answer('one');
    await flush();
    expect(seen).toEqual([{ query: 1, superseded: true, ok: true, value: 'one' }]);
    timers.advance(10);
    expect(host.calls.map((c) => c.query)).toEqual([5]);
    host.calls.shift()!.fail(new Error('not_found'));
    await flush();
    expect(seen[1]).toMatchObject({ query: 5, superseded: false, ok: false, error: new Error('not_found') });
    expect(latest.stats()).toEqual({ asked: 5, sent: 2 });
  });

  it('given dispose while a request is out, then its answer is dropped and nothing more is sent', async () => {
    const timers = manualTimers();
    const host = slowHost();
    const seen: unknown[] = [];
    const latest = new LatestOnly(host.run, (o) => seen.push(o), { debounceMs: 10, maxWaitMs: 100, timers });
    latest.request(1);
    timers.advance(10);
    latest.request(2);
    latest.dispose();
    host.calls.shift()!.answer('late');
    await flush();
    timers.advance(100);
    expect([seen, host.calls.length, timers.pending()]).toEqual([[], 0, 0]);
  });
});
