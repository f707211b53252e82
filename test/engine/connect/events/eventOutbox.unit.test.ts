import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventOutbox } from '../../../../engine/connect/events/EventOutbox';

const item = (n: number) => ({ topic: `vigil/v1/s/pump-1/event/TripRequested`, payload: `{"n":${n}}`, queuedAtMs: 1000 + n });

describe('EventOutbox', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('given events queued, when some are confirmed, then the rest stay in order and survive reopening the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-outbox-'));
    dirs.push(dir);
    const path = join(dir, 'events.sqlite');
    const a = new EventOutbox(path, { maxQueued: 100 });
    expect(a.add([item(1), item(2), item(3)])).toBe(0);
    const [first, second] = a.peek(2);
    a.remove([first!.seq]);
    expect(a.counters()).toEqual({ queued: 2, oldestQueuedAtMs: 1002, dropped: 0 });
    a.close();

    const b = new EventOutbox(path, { maxQueued: 100 });
    expect(b.peek(10).map((i) => i.payload)).toEqual(['{"n":2}', '{"n":3}']);
    expect(b.peek(1)[0]!.seq).toBe(second!.seq);
    b.add([item(4)]);
    expect(b.peek(10).map((i) => i.seq)).toEqual([...b.peek(10).map((i) => i.seq)].sort((x, y) => x - y));
    b.close();
  });

  it('given a full outbox, when more events come, then the oldest are deleted and counted, never the newest', () => {
    const o = new EventOutbox(':memory:', { maxQueued: 3 });
    o.add([item(1), item(2)]);
    expect(o.add([item(3), item(4), item(5)])).toBe(2);
    expect(o.peek(10).map((i) => i.payload)).toEqual(['{"n":3}', '{"n":4}', '{"n":5}']);
    expect(o.counters()).toEqual({ queued: 3, oldestQueuedAtMs: 1003, dropped: 2 });
    expect(() => new EventOutbox(':memory:', { maxQueued: 0 })).toThrow('maxQueued must be a positive whole number, got 0');
    o.close();
  });
});
