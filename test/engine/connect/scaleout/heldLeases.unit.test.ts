import type { KV } from 'nats';
import { describe, expect, it } from 'vitest';
import type { Scheduled, Scheduler } from '../../../../engine/ingest/scheduling';
import { HeldLeases, type LeaseInfo, type LossReason } from '../../../../engine/connect/scaleout/HeldLeases';
import { PlantView } from '../../../../engine/connect/scaleout/PlantView';

/**
 * The compare-and-set moves of one engine's leases against an in-memory bucket with the server's
 * revision rules, on a manual clock: claim, renew, loss on a foreign write, the local deadline when
 * NATS does not answer, and orphans.
 */

const LEASE_MS = 1000;
const GUARD_MS = 50;

/** Timers on a clock the test moves. */
class ManualScheduler implements Scheduler {
  nowMs = 0;
  private tasks: Array<{ at: number; fn: () => void; live: boolean }> = [];
  soon(fn: () => void): Scheduled {
    return this.after(0, fn);
  }
  after(ms: number, fn: () => void): Scheduled {
    const t = { at: this.nowMs + Math.max(0, ms), fn, live: true };
    this.tasks.push(t);
    return { cancel: () => (t.live = false) };
  }
  /** Moves the clock to `toMs`, running due timers in time order at their own times. */
  advanceTo(toMs: number): void {
    for (;;) {
      const due = this.tasks.filter((t) => t.live && t.at <= toMs).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.nowMs = due.at;
      due.fn();
    }
    this.tasks = this.tasks.filter((t) => t.live);
    this.nowMs = toMs;
  }
}

const mismatch = (rev: number | undefined) => Object.assign(new Error(`wrong last sequence: ${rev ?? 0}`), { api_error: { err_code: 10071 } });

/** A bucket with JetStream's rules for create / update / delete, whose replies can fail or wait. */
class FakeKv {
  readonly keys = new Map<string, { op: 'PUT' | 'DEL'; revision: number; value: string }>();
  private seq = 0;
  mode: 'ok' | 'timeout' | 'hold' = 'ok';
  private held: Array<() => void> = [];
  readonly deletes: Array<{ key: string; previousSeq: number | undefined }> = [];

  create(k: string, v: Uint8Array): Promise<number> {
    return this.reply(() => {
      const cur = this.keys.get(k);
      if (cur?.op === 'PUT') throw mismatch(cur.revision);
      return this.write(k, 'PUT', v);
    });
  }
  update(k: string, v: Uint8Array, rev: number): Promise<number> {
    return this.reply(() => {
      const cur = this.keys.get(k);
      if (cur?.revision !== rev) throw mismatch(cur?.revision);
      return this.write(k, 'PUT', v);
    });
  }
  delete(k: string, o?: { previousSeq?: number }): Promise<void> {
    this.deletes.push({ key: k, previousSeq: o?.previousSeq });
    return this.reply(() => {
      const cur = this.keys.get(k);
      if (o?.previousSeq && cur?.revision !== o.previousSeq) throw mismatch(cur?.revision);
      this.write(k, 'DEL', new Uint8Array());
    });
  }
  /** Someone else's write (another engine, an operator). */
  foreignPut(k: string, value: string): number {
    return this.write(k, 'PUT', new TextEncoder().encode(value));
  }
  /** Lets every held request reach the server and answer. */
  releaseHeld(): void {
    for (const h of this.held.splice(0)) h();
  }
  private write(k: string, op: 'PUT' | 'DEL', v: Uint8Array): number {
    this.keys.set(k, { op, revision: ++this.seq, value: new TextDecoder().decode(v) });
    return this.seq;
  }
  private reply<T>(apply: () => T): Promise<T> {
    if (this.mode === 'timeout') return Promise.reject(Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' }));
    if (this.mode === 'hold') return new Promise<T>((resolve, reject) => this.held.push(() => { try { resolve(apply()); } catch (e) { reject(e); } }));
    try {
      return Promise.resolve(apply());
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

const settle = () => new Promise((r) => setImmediate(r));

function setup(o: { whenLost?: (kv: FakeKv) => void } = {}) {
  const sched = new ManualScheduler();
  const kv = new FakeKv();
  const events: Array<[string, string, number, LeaseInfo | LossReason]> = [];
  const held = new HeldLeases({
    kv: kv as unknown as KV,
    view: new PlantView(['p1', 'p2'], LEASE_MS),
    engineId: 'e1',
    instance: 'i1',
    leaseMs: LEASE_MS,
    guardMs: GUARD_MS,
    clock: () => sched.nowMs,
    scheduler: sched,
    onAcquired: (a, lease) => events.push(['acquired', a, sched.nowMs, lease]),
    onLost: (a, why) => {
      o.whenLost?.(kv);
      events.push(['lost', a, sched.nowMs, why]);
    },
    afterAcquire: () => {},
    log: () => {},
  });
  return { sched, kv, events, held };
}

describe('HeldLeases', () => {
  it('given a free asset, when claimed and renewed, then it is acquired once and each renewal moves the revision and the deadline', async () => {
    const { sched, kv, events, held } = setup();
    sched.advanceTo(100);
    held.claim('p1');
    await settle();
    expect(events).toEqual([['acquired', 'p1', 100, { assetId: 'p1', engineId: 'e1', revision: 1, token: 'i1.1', acquiredAtMs: 100, validUntilMs: 100 + LEASE_MS - GUARD_MS }]]);
    sched.advanceTo(433);
    held.renewAll();
    await settle();
    expect(held.lease('p1')).toEqual({ assetId: 'p1', engineId: 'e1', revision: 2, token: 'i1.1', acquiredAtMs: 100, validUntilMs: 433 + LEASE_MS - GUARD_MS });
    expect(JSON.parse(kv.keys.get('asset.p1')!.value)).toEqual({ engineId: 'e1', token: 'i1.1', acquiredAtMs: 100, renewedAtMs: 433 });
    expect(held.counters()).toMatchObject({ claims: 1, renewals: 1, losses: 0 });
  });

  it('given an asset someone else holds, when claimed, then the claim is refused and counted, and nothing is acquired', async () => {
    const { kv, events, held } = setup();
    kv.foreignPut('asset.p1', '{"engineId":"e2","token":"x.1","acquiredAtMs":0,"renewedAtMs":0}');
    held.claim('p1');
    await settle();
    expect(events).toEqual([]);
    expect(held.counters()).toMatchObject({ claims: 0, claimConflicts: 1, claimErrors: 0 });
  });

  it('given someone else wrote a held lease, when the renewal is refused on the revision, then the asset is lost at once', async () => {
    const { sched, kv, events, held } = setup();
    held.claim('p1');
    await settle();
    kv.foreignPut('asset.p1', '{"engineId":"op","token":"x.1","acquiredAtMs":0,"renewedAtMs":0}');
    sched.advanceTo(333);
    held.renewAll();
    await settle();
    expect(events.slice(1)).toEqual([['lost', 'p1', 333, 'revision-mismatch']]);
    expect([held.holds('p1'), held.counters().lossesByReason['revision-mismatch'], held.counters().losses]).toEqual([false, 1, 1]);
  });

  it('given NATS stops answering, then the asset is dropped as expired at lease - guard after the last acknowledged renewal, not before', async () => {
    const { sched, kv, events, held } = setup();
    held.claim('p1');
    held.claim('p2');
    await settle();
    sched.advanceTo(333);
    held.renewAll();
    await settle();
    kv.mode = 'timeout';
    for (const t of [666, 999, 1282]) {
      sched.advanceTo(t);
      held.renewAll();
      await settle();
    }
    expect([held.holds('p1'), held.holds('p2')]).toEqual([true, true]);
    sched.advanceTo(333 + LEASE_MS - GUARD_MS);
    expect(events.filter((e) => e[0] === 'lost')).toEqual([
      ['lost', 'p1', 1283, 'expired'],
      ['lost', 'p2', 1283, 'expired'],
    ]);
    expect(held.counters()).toMatchObject({ renewals: 2, renewFailures: 6, losses: 2 });
  });

  it('given a renewal that lands only after the asset was dropped, then the lease it extended is deleted as an orphan', async () => {
    const { sched, kv, events, held } = setup();
    held.claim('p1');
    await settle();
    kv.mode = 'hold';
    sched.advanceTo(333);
    held.renewAll();
    sched.advanceTo(LEASE_MS - GUARD_MS);
    expect(events.map((e) => e.slice(0, 2).concat(e[0] === 'lost' ? [e[3] as string] : []))).toEqual([['acquired', 'p1'], ['lost', 'p1', 'expired']]);
    kv.mode = 'ok';
    kv.releaseHeld();
    await settle();
    await settle();
    expect(kv.keys.get('asset.p1')).toMatchObject({ op: 'DEL', revision: 3 });
    expect(kv.deletes).toEqual([{ key: 'asset.p1', previousSeq: 2 }]);
  });

  it('given a handover, then onLost runs before the delete is sent, and the delete is a compare-and-set on the held revision', async () => {
    const deletesWhenLost: number[] = [];
    const { kv, held, events } = setup({ whenLost: (k) => deletesWhenLost.push(k.deletes.length) });
    held.claim('p1');
    await settle();
    await held.release('p1', 'handover');
    expect([deletesWhenLost, kv.deletes, kv.keys.get('asset.p1')?.op, events.at(-1)?.[3]]).toEqual([[0], [{ key: 'asset.p1', previousSeq: 1 }], 'DEL', 'handover']);
    expect(held.counters()).toMatchObject({ handovers: 1, losses: 0 });
  });
});
