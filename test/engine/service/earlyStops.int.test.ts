import { afterEach, describe, expect, it } from 'vitest';
import { PortActuator } from '../../../engine/actuate/PortActuator';
import { TripOutputThread } from '../../../engine/actuate/TripOutputThread';
import { TripReceiptSchema, type ConsoleReply, type SessionInfo } from '../../../engine/contract';
import { EarlyStops, ROLE_TRUSTED_MS } from '../../../engine/service/EarlyStops';

/**
 * The e-stop's short path on the host thread, against a real trip output thread: what goes out
 * before the engine thread answers, what waits for it, and what the operator is told either way.
 */

const ASSETS = ['pump-101', 'fan-201', 'comp-301'];
const outputs: TripOutputThread[] = [];
afterEach(async () => {
  for (const o of outputs.splice(0)) await o.close();
});

async function setup() {
  const t = { ms: 1_800_000_000_000 };
  const output = await TripOutputThread.start();
  outputs.push(output);
  const early = new EarlyStops(output, { clock: () => t.ms });
  const session = (role: SessionInfo['role'], userName = 'olga'): SessionInfo => ({ userName, role, expiresMs: t.ms + 3_600_000 });
  return { t, output, early, session };
}

const trip = (id: string, target = 'pump-101') => ({ id, method: 'trip', target, reason: 'smoke from the coupling guard' });

describe('EarlyStops', () => {
  it('given an operator confirmed a moment ago, when an e-stop arrives, then it goes out before the engine thread answers; if that answer never comes, the reply says the stop went out and what is missing', async () => {
    const { output, early, session } = await setup();
    early.confirmed('tok', session('operator'));
    const arrivalNs = process.hrtime.bigint();
    const e = early.send('tok', trip('a'), ASSETS);
    expect(e).toEqual({ assetIds: ['pump-101'], sent: { commandId: expect.stringMatching(/^estop-/), confirmedAtMs: 1_800_000_000_000, userName: 'olga', remote: false } });
    await expect.poll(async () => (await output.trips()).map((x) => [x.assetId, x.commandId, x.reason])).toEqual([['pump-101', e!.sent.commandId, 'operator e-stop by olga: smoke from the coupling guard']]);

    const noAnswer: ConsoleReply = { type: 'reply', id: 'a', ok: false, error: { code: 'engine_not_answering', message: 'handle: the engine thread did not answer within 4 s' } };
    const told = await early.answer(noAnswer, arrivalNs, e);
    expect(told).toMatchObject({ ok: false, id: 'a', error: { code: 'engine_not_answering' } });
    expect(told.ok ? '' : told.error.message).toMatch(/^the stop went out \(pump-101 at \d+\.\d ms, acknowledged by builtin-recorder\), but it is not yet latched or audited: handle: the engine thread did not answer within 4 s$/);
  });

  it('given the engine thread sends its own copy of the stop, then the controller gets it once and the reply carries the actuator\'s acceptance, the same on a retry', async () => {
    const { t, output, early, session } = await setup();
    early.confirmed('tok', session('operator'));
    const arrivalNs = process.hrtime.bigint();
    const e = early.send('tok', trip('b', '*'), ASSETS)!;
    expect(e.assetIds).toEqual(ASSETS);
    const engineSide = new PortActuator(output.engineLink(), () => t.ms);
    const engineReceipts = ASSETS.map((assetId) => {
      const r = engineSide.requestTrip({ assetId, decidedAtMs: t.ms, reason: 'operator e-stop by olga: smoke from the coupling guard', commandId: e.sent.commandId });
      return { assetId, commandedAtMs: r.commandedAtMs, latencyUs: 900, actuator: r.actuator, commandId: e.sent.commandId };
    });
    expect(engineReceipts[0]!.actuator).toBe('builtin-recorder (trip output thread)');
    const fromEngine: ConsoleReply = { type: 'reply', id: 'b', ok: true, value: engineReceipts };
    const told = await early.answer(fromEngine, arrivalNs, e);
    const receipts = TripReceiptSchema.array().parse(told.ok ? told.value : null);
    expect(receipts.map((r) => [r.assetId, r.actuator, r.commandId])).toEqual(ASSETS.map((a) => [a, 'builtin-recorder', e.sent.commandId]));
    for (const r of receipts) expect(r.latencyUs).toBeGreaterThan(0);
    // The engine's copies arrived as duplicates: nothing went out twice.
    await new Promise((r) => setTimeout(r, 100));
    expect((await output.trips()).map((x) => x.assetId)).toEqual(ASSETS);
    // A retried request's remembered reply, passed through again, is answered the same.
    expect(await early.answer(fromEngine, process.hrtime.bigint(), null)).toEqual(told);
  });

  it('given many sessions that stopped being asked about, then those older than a minute are forgotten and fresh ones kept (bounded memory)', async () => {
    const { t, early, session } = await setup();
    for (let i = 0; i < 100; i++) early.confirmed(`old-${i}`, session('operator'));
    t.ms += 61_000;
    early.confirmed('fresh', session('operator'));
    expect(early.send('fresh', trip('f'), ASSETS)).not.toBeNull();
    t.ms += 1;
    early.confirmed('fresh-2', session('operator'));
    expect(early.sessionCount).toBe(2);
    for (let i = 0; i < 100; i++) expect(early.send(`old-${i}`, trip(`o${i}`), ASSETS)).toBeNull();
    expect(early.send('fresh-2', trip('g'), ASSETS)).not.toBeNull();
  });

  it('given a request it cannot decide on at once, then nothing goes out early and the engine thread decides', async () => {
    const { t, output, early, session } = await setup();
    early.confirmed('viewer', session('viewer', 'vic'));
    early.confirmed('op', session('operator'));
    early.confirmed('gone', session('operator', 'otto'));
    early.confirmed('gone', null);
    expect(early.send('viewer', trip('v'), ASSETS)).toBeNull();
    expect(early.send('unknown-token', trip('u'), ASSETS)).toBeNull();
    expect(early.send(null, trip('n'), ASSETS)).toBeNull();
    expect(early.send('gone', trip('g'), ASSETS)).toBeNull();
    expect(early.send('op', trip('x', 'press-9'), ASSETS)).toBeNull();
    expect(early.send('op', { id: 's', method: 'status' }, ASSETS)).toBeNull();
    expect(early.send('op', { id: 'r', method: 'trip', target: 'pump-101', reason: '' }, ASSETS)).toBeNull();
    expect(early.send('op', trip('once'), ASSETS)).not.toBeNull();
    expect(early.send('op', trip('once'), ASSETS)).toBeNull();
    t.ms += ROLE_TRUSTED_MS + 1;
    expect(early.send('op', trip('late'), ASSETS)).toBeNull();
    early.confirmed('op', session('operator'));
    expect(early.send('op', trip('fresh'), ASSETS)).not.toBeNull();
    t.ms += 3_600_001;
    early.confirmed('op', { userName: 'olga', role: 'operator', expiresMs: t.ms - 1 });
    expect(early.send('op', trip('expired'), ASSETS)).toBeNull();
    await expect.poll(async () => (await output.trips()).length).toBe(2);
  });
});
