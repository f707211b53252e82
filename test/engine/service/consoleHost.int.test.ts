import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { Accounts, LOGIN_REFUSED } from '../../../engine/auth/Accounts';
import { ConfigService } from '../../../engine/config/ConfigService';
import { ConsoleReplySchema, TripReceiptSchema, type ConsoleReply } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { ConsoleHost, REMEMBERED_IDS } from '../../../engine/service/ConsoleHost';
import { OperatorActions } from '../../../engine/service/OperatorActions';
import { openStore } from '../../../engine/store/openStore';
import { vectorAsset } from '../../support/vectorAsset';

/**
 * The console protocol's host over a small real console (one feature-vector machine, SQLite on
 * disk, real accounts and audit trail): sessions, roles, idempotent requests and malformed input.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-console-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ASSET = 'press-7';
/** Cheap scrypt: these tests are about the host, not the hashing cost. */
const FAST_SCRYPT = { n: 2 ** 10, r: 8, p: 1, keylenBytes: 32 };
const LOCAL = { remote: false };
const REMOTE = { remote: true };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A console like `startDemoConsole` wires it, with an injected clock; `users` are created by the admin ada. */
async function consoleOn(name: string, users = true) {
  const t = { ms: 1_800_000_000_000 };
  const clock = () => t.ms;
  const store = openStore(join(dir, `${name}.sqlite`));
  const actuator = new RecordingActuator(clock);
  const engine = await Engine.create({ assets: [vectorAsset({ assetId: ASSET, channels: { f: ['rms', 'kurtosis', 'temp'] }, commissioningWindows: 40, learning: { enabled: false } })], clock, actuator, store: (op) => store.writer.enqueue(op) });
  const board = new AlarmBoard(() => {});
  engine.on((e) => board.onEngineEvent(e));
  await store.writer.flush();
  const accounts = new Accounts(store.db, { scryptParams: FAST_SCRYPT, nowMs: clock });
  const actions = new OperatorActions(engine, store.repo, accounts, board, clock);
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock, backtest: async () => { throw new Error('no backtest in this test'); } });
  configs.start();
  if (users) {
    await accounts.createFirstAdmin('ada', 'correct horse battery');
    await accounts.createUser({ userName: 'ada' }, { userName: 'vic', role: 'viewer', secretKind: 'password', secret: 'just-looking-1234' });
    await accounts.createUser({ userName: 'ada' }, { userName: 'olga', role: 'operator', secretKind: 'pin', secret: '582914' });
    await accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: 'bearing-grease-42' });
  }
  const host = new ConsoleHost({ engine, board, accounts, actions, configs, store }, { clock, sessionTtlMs: 3_600_000 });
  cleanups.push(async () => {
    await engine.dispose();
    await store.close();
  });
  const signIn = async (userName: string, secret: string, origin = LOCAL): Promise<string> => {
    const r = await host.signIn({ userName, secret }, origin);
    if (!r.ok) throw new Error(r.reason);
    return r.reply.token;
  };
  return { t, store, engine, actuator, accounts, configs, host, signIn };
}

const SECRETS: Record<string, string> = { ada: 'correct horse battery', vic: 'just-looking-1234', olga: '582914', erin: 'bearing-grease-42' };
const refusedRows = (accounts: Accounts) => accounts.audit.list({ limit: 100, outcome: 'refused' }).map((r) => [r.actor, r.action, r.refusal]);
const err = (r: ConsoleReply) => (r.ok ? null : r.error);

describe('ConsoleHost: sessions', () => {
  it('given a wrong secret, when signing in, then it is refused with the login text and audited; the right one gets a 32-byte token and the current role', async () => {
    const c = await consoleOn('signin');
    expect(await c.host.signIn({ userName: 'olga', secret: '000000' }, LOCAL)).toEqual({ ok: false, reason: LOGIN_REFUSED });
    expect(await c.host.signIn({ userName: 'nobody', secret: '000000' }, LOCAL)).toEqual({ ok: false, reason: LOGIN_REFUSED });
    expect(await c.host.signIn({ userName: 'olga' }, LOCAL)).toMatchObject({ ok: false, reason: expect.stringMatching(/secret/) });
    expect(c.accounts.audit.list({ limit: 10, action: 'login' }).map((r) => [r.actor, r.outcome, r.refusal])).toEqual([
      ['nobody', 'refused', 'unknown user'],
      ['olga', 'refused', 'wrong secret'],
    ]);
    const ok = await c.host.signIn({ userName: 'olga', secret: '582914' }, LOCAL);
    expect(ok).toEqual({ ok: true, reply: { token: expect.stringMatching(/^[0-9a-f]{64}$/), session: { userName: 'olga', role: 'operator', expiresMs: c.t.ms + 3_600_000, remote: false } } });
    const token = ok.ok ? ok.reply.token : '';
    expect(await c.host.handle(token, { id: 'w1', method: 'whoami' })).toEqual({ type: 'reply', id: 'w1', ok: true, value: { userName: 'olga', role: 'operator', expiresMs: c.t.ms + 3_600_000, remote: false } });
    // The role is re-read on every request: a promotion shows at once, without signing in again.
    c.accounts.changeRole({ userName: 'ada' }, 'olga', 'engineer');
    expect(await c.host.handle(token, { id: 'w2', method: 'whoami' })).toMatchObject({ ok: true, value: { role: 'engineer' } });
    expect(c.host.signOut(token)).toBe(true);
    expect(err(await c.host.handle(token, { id: 'w3', method: 'whoami' }))).toEqual({ code: 'unauthenticated', message: expect.stringMatching(/sign in/) });
  });

  it('given a session, when its time is up or its account is disabled, then requests are answered unauthenticated', async () => {
    const c = await consoleOn('expiry');
    const token = await c.signIn('olga', '582914');
    c.t.ms += 3_600_000 - 1;
    expect(await c.host.handle(token, { id: 'a', method: 'status' })).toMatchObject({ ok: true });
    c.t.ms += 1;
    expect(c.host.session(token)).toBeNull();
    expect(err(await c.host.handle(token, { id: 'b', method: 'trip', target: ASSET, reason: 'too late' }))).toMatchObject({ code: 'unauthenticated' });
    expect(c.actuator.trips()).toHaveLength(0);
    const erin = await c.signIn('erin', SECRETS.erin!);
    c.accounts.disableUser({ userName: 'ada' }, 'erin', 'left the company');
    expect(err(await c.host.handle(erin, { id: 'c', method: 'status' }))).toMatchObject({ code: 'unauthenticated' });
    expect(err(await c.host.handle('f'.repeat(64), { id: 'd', method: 'status' }))).toMatchObject({ code: 'unauthenticated' });
    expect(err(await c.host.handle(null, { id: 'e', method: 'status' }))).toMatchObject({ code: 'unauthenticated' });
  });

  it('given a sign-in from another machine, then the session is a viewer whatever the account: it reads, and every action is refused and audited', async () => {
    const c = await consoleOn('remote');
    const r = await c.host.signIn({ userName: 'erin', secret: SECRETS.erin }, REMOTE);
    expect(r).toMatchObject({ ok: true, reply: { session: { userName: 'erin', role: 'viewer' } } });
    const token = r.ok ? r.reply.token : '';
    expect(await c.host.handle(token, { id: 'w', method: 'whoami' })).toMatchObject({ ok: true, value: { role: 'viewer' } });
    expect(await c.host.handle(token, { id: 's', method: 'status' })).toMatchObject({ ok: true, value: { assets: [{ assetId: ASSET }] } });
    const trip = err(await c.host.handle(token, { id: 't', method: 'trip', target: ASSET, reason: 'from the office' }));
    expect(trip).toEqual({ code: 'forbidden', message: expect.stringMatching(/capped at viewer/) });
    expect(err(await c.host.handle(token, { id: 'r', method: 'reset', assetId: ASSET, reason: 'from the office' }))).toMatchObject({ code: 'forbidden' });
    expect(err(await c.host.handle(token, { id: 'a', method: 'audit.list', limit: 10 }))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/engineer or above.*capped at viewer/) });
    expect(c.actuator.trips()).toHaveLength(0);
    expect(refusedRows(c.accounts).map(([actor, action]) => [actor, action])).toEqual([
      ['erin', 'audit.list'],
      ['erin', 'reset'],
      ['erin', 'trip'],
    ]);
  });
});

describe('ConsoleHost: roles', () => {
  it('given a viewer, when they trip or propose thresholds, then both are forbidden (saying which role is needed), audited as refused, and nothing changes', async () => {
    const c = await consoleOn('viewer');
    const vic = await c.signIn('vic', SECRETS.vic!);
    const config = c.engine.protectionConfig(ASSET);
    const trip = await c.host.handle(vic, { id: '1', method: 'trip', target: ASSET, reason: 'just curious' });
    expect(err(trip)).toEqual({ code: 'forbidden', message: 'vic may not trip on press-7: role viewer may not trip; it needs operator or above' });
    const propose = await c.host.handle(vic, { id: '2', method: 'config.propose', assetId: ASSET, config: { ...config, groups: config.groups.map((g) => ({ ...g, danger: 1000 })) }, reason: 'fewer trips' });
    expect(err(propose)).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/needs engineer or above/) });
    expect(c.actuator.trips()).toHaveLength(0);
    expect(c.engine.status().assets[0]!.latched).toBe(false);
    expect(c.configs.pending(ASSET)).toBeNull();
    expect(c.configs.history(ASSET)).toHaveLength(1);
    expect(refusedRows(c.accounts).map(([actor, action]) => [actor, action])).toEqual([
      ['vic', 'setpoint.change'],
      ['vic', 'trip'],
    ]);
    // Reads are open to a viewer.
    expect(await c.host.handle(vic, { id: '3', method: 'config.get', assetId: ASSET })).toMatchObject({ ok: true, value: { assetId: ASSET, inForce: 'cfg-press-7-1', pending: null } });
    expect(await c.host.handle(vic, { id: '4', method: 'alarms.list' })).toEqual({ type: 'reply', id: '4', ok: true, value: [] });
    expect(err(await c.host.handle(vic, { id: '5', method: 'config.get', assetId: 'press-9' }))).toEqual({ code: 'not_found', message: 'unknown asset press-9' });
    expect(err(await c.host.handle(vic, { id: '6', method: 'incidents.timeline', incidentId: 'inc-nope' }))).toEqual({ code: 'not_found', message: 'unknown incident inc-nope' });
  });

  it('given an operator, when they trip, then the receipt carries the host latency; the same id again trips once and gets the same reply; the reset is the engineer\'s', async () => {
    const c = await consoleOn('trip');
    const olga = await c.signIn('olga', '582914');
    const request = { id: 'estop-1', method: 'trip', target: ASSET, reason: 'smoke at the coupling' };
    const [first, concurrent] = await Promise.all([c.host.handle(olga, request), c.host.handle(olga, { ...request })]);
    expect(ConsoleReplySchema.parse(first)).toMatchObject({ id: 'estop-1', ok: true });
    const receipts = TripReceiptSchema.array().parse(first.ok ? first.value : null);
    expect(receipts).toEqual([{ assetId: ASSET, commandedAtMs: c.t.ms, latencyUs: expect.any(Number), actuator: 'builtin-recorder', commandId: expect.stringMatching(/^estop-/) }]);
    expect(receipts[0]!.latencyUs).toBeGreaterThan(0);
    expect(receipts[0]!.latencyUs).toBeLessThan(50_000);
    const again = await c.host.handle(olga, { ...request });
    expect(concurrent).toEqual(first);
    expect(again).toEqual(first);
    expect(c.actuator.trips()).toHaveLength(1);
    expect(c.accounts.audit.list({ limit: 10, action: 'trip' }).map((r) => [r.actor, r.outcome])).toEqual([['olga', 'done']]);
    // The same id for another request is a client bug, refused rather than answered with the old reply.
    expect(err(await c.host.handle(olga, { ...request, reason: 'another reason' }))).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/already used/) });
    expect(err(await c.host.handle(olga, { id: 'estop-2', method: 'trip', target: 'press-9', reason: 'typo' }))).toEqual({ code: 'not_found', message: 'unknown asset press-9' });
    expect(c.actuator.trips()).toHaveLength(1);
    expect(c.engine.status().assets[0]!.latched).toBe(true);

    const reset = await c.host.handle(olga, { id: 'reset-1', method: 'reset', assetId: ASSET, reason: 'coupling checked' });
    expect(err(reset)).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/needs engineer or above/) });
    expect(c.engine.status().assets[0]!.latched).toBe(true);
    const erin = await c.signIn('erin', SECRETS.erin!);
    expect(await c.host.handle(erin, { id: 'reset-1', method: 'reset', assetId: ASSET, reason: 'coupling checked' })).toEqual({ type: 'reply', id: 'reset-1', ok: true, value: true });
    expect(c.engine.status().assets[0]!.latched).toBe(false);
    expect(c.accounts.audit.list({ limit: 10, action: 'reset' }).map((r) => [r.actor, r.outcome]).reverse()).toEqual([['olga', 'refused'], ['erin', 'done']]);
  });

  it('given a stop the host thread already sent, when the role was taken away meanwhile, then it is latched and audited as done, with the role now and why it would be refused', async () => {
    const c = await consoleOn('sent-demoted');
    const olga = await c.signIn('olga', '582914');
    c.accounts.changeRole({ userName: 'ada' }, 'olga', 'viewer', 'moved to the lab');
    const sent = { commandId: 'estop-sent-1', confirmedAtMs: c.t.ms - 400, userName: 'olga', remote: false };
    const reply = await c.host.handle(olga, { id: 'e1', method: 'trip', target: ASSET, reason: 'smoke at the coupling' }, sent);
    expect(TripReceiptSchema.array().parse(reply.ok ? reply.value : null)).toEqual([{ assetId: ASSET, commandedAtMs: c.t.ms, latencyUs: expect.any(Number), actuator: 'builtin-recorder', commandId: 'estop-sent-1' }]);
    expect(c.actuator.trips().map((t) => t.commandId)).toEqual(['estop-sent-1']);
    expect(c.engine.status().assets[0]!.latched).toBe(true);
    const [row] = c.accounts.audit.list({ limit: 10, action: 'trip' });
    expect(row).toMatchObject({ actor: 'olga', role: 'viewer', outcome: 'done', reason: 'smoke at the coupling' });
    expect(row!.after).toEqual({ tripped: ASSET, commandId: 'estop-sent-1', sentOnRoleConfirmedAtMs: c.t.ms - 400, roleNow: 'viewer', refusedNow: 'role viewer may not trip; it needs operator or above' });
    // Without `sent`, the same viewer is refused as ever.
    expect(err(await c.host.handle(olga, { id: 'e2', method: 'trip', target: ASSET, reason: 'again' }))).toMatchObject({ code: 'forbidden' });
    expect(c.actuator.trips()).toHaveLength(1);
  });

  it('given a stop the host thread already sent, when the session ended before the engine thread saw it, then it is latched and audited under the name it was sent for', async () => {
    const c = await consoleOn('sent-signed-out');
    const olga = await c.signIn('olga', '582914');
    c.host.signOut(olga);
    const sent = { commandId: 'estop-sent-2', confirmedAtMs: c.t.ms - 100, userName: 'olga', remote: false };
    const reply = await c.host.handle(olga, { id: 'e1', method: 'trip', target: ASSET, reason: 'guard open' }, sent);
    expect(reply).toMatchObject({ ok: true, value: [{ assetId: ASSET, commandId: 'estop-sent-2' }] });
    expect(c.engine.status().assets[0]!.latched).toBe(true);
    expect(c.accounts.audit.list({ limit: 10, action: 'trip' }).map((r) => [r.actor, r.role, r.outcome])).toEqual([['olga', 'operator', 'done']]);
    // Any other request of an ended session is refused as before.
    expect(err(await c.host.handle(olga, { id: 'e2', method: 'status' }))).toMatchObject({ code: 'unauthenticated' });
  });

  it(`given more than ${REMEMBERED_IDS} later requests, then an old id is forgotten and acts again (the memory is bounded)`, async () => {
    const c = await consoleOn('forget');
    const olga = await c.signIn('olga', '582914');
    await c.host.handle(olga, { id: 'old', method: 'trip', target: ASSET, reason: 'first stop' });
    for (let i = 0; i < REMEMBERED_IDS; i++) await c.host.handle(olga, { id: `s${i}`, method: 'status' });
    await c.host.handle(olga, { id: 'old', method: 'trip', target: ASSET, reason: 'first stop' });
    expect(c.actuator.trips()).toHaveLength(2);
  });
});

describe('ConsoleHost: malformed requests', () => {
  it('given messages that are not requests, then each is answered bad_request naming what is wrong, and nothing changes', async () => {
    const c = await consoleOn('malformed');
    const olga = await c.signIn('olga', '582914');
    const auditBefore = c.accounts.audit.list({ limit: 1000 }).length;
    const cases: Array<[unknown, string, RegExp]> = [
      ['trip everything', '', /must be a JSON object.*got a string/],
      ['x'.repeat(1 << 20), '', /must be a JSON object/],
      [null, '', /got null/],
      [[{ id: 'a', method: 'trip' }], '', /got an array/],
      [42, '', /got a number/],
      [{ id: 'u1', method: 'shutdown' }, 'u1', /unknown method 'shutdown' \(methods: status, whoami/],
      [{ id: 'u2' }, 'u2', /method is missing/],
      [{ id: 'm1', method: 'trip', target: ASSET }, 'm1', /^trip: reason: Invalid input: expected string, received undefined$/],
      [{ id: 'm2', method: 'trip', target: 7, reason: 'wrong type' }, 'm2', /target: Invalid input: expected string, received number, or Invalid input: expected "\*"/],
      [{ id: 'm3', method: 'trip', target: ASSET, reason: 'x'.repeat(1 << 20) }, 'm3', /reason: Too big: expected string to have <=500 characters/],
      [{ id: 'm4', method: 'trip', target: ASSET, reason: '  ' }, 'm4', /give a reason/],
      [{ id: 'm5', method: 'alarms.shelve', assetId: ASSET, alarmKey: 'level.alert', durationMs: -1, reason: 'negative' }, 'm5', /durationMs: Too small/],
      [{ id: 'm6', method: 'audit.list', limit: '10' }, 'm6', /limit: Invalid input: expected number, received string/],
      [{ id: 'x'.repeat(65), method: 'status' }, '', /id: Too big/],
      [{ id: 5, method: 'trip', target: ASSET, reason: 'numeric id' }, '', /id: Invalid input: expected string/],
      [{ method: 'trip', target: '*', reason: 'no id at all' }, '', /id: Invalid input/],
      [{ id: 'k1', method: 'alarms.kpis', fromMs: 10, toMs: 5 }, 'k1', /toMs must be after fromMs/],
      [{ id: 'p1', method: 'users.create', userName: 'mallory', role: 'root', secretKind: 'password', secret: 'x' }, 'p1', /role: Invalid option/],
    ];
    for (const [raw, id, message] of cases) {
      const reply = await c.host.handle(olga, raw);
      expect(reply, JSON.stringify(raw).slice(0, 80)).toEqual({ type: 'reply', id, ok: false, error: { code: 'bad_request', message: expect.stringMatching(message) } });
      expect((reply.ok ? '' : reply.error.message).length).toBeLessThan(1000);
    }
    expect(c.actuator.trips()).toHaveLength(0);
    expect(c.accounts.audit.list({ limit: 1000 })).toHaveLength(auditBefore);
    expect(c.accounts.getUser('mallory')).toBeNull();
  });
});

describe('ConsoleHost: accounts', () => {
  it('given no admin, then first-run setup works once and only from this machine; afterwards it is refused', async () => {
    const c = await consoleOn('setup', false);
    expect(c.host.needsSetup()).toBe(true);
    expect(await c.host.setup({ userName: 'ada', secret: 'correct horse battery' }, REMOTE)).toEqual({ ok: false, reason: expect.stringMatching(/only possible on the console workstation/) });
    expect(c.host.needsSetup()).toBe(true);
    expect(await c.host.setup({ userName: 'ada', secret: 'short' }, LOCAL)).toMatchObject({ ok: false, reason: expect.stringMatching(/at least 12/) });
    const ok = await c.host.setup({ userName: 'ada', secret: 'correct horse battery' }, LOCAL);
    expect(ok).toMatchObject({ ok: true, reply: { session: { userName: 'ada', role: 'admin' } } });
    expect(await c.host.setup({ userName: 'eve', secret: 'another long secret' }, LOCAL)).toEqual({ ok: false, reason: 'first-run setup is over: an admin account exists' });
    expect(c.accounts.listUsers().map((u) => u.userName)).toEqual(['ada']);
    expect(refusedRows(c.accounts).map(([actor, action]) => [actor, action]).reverse()).toEqual([
      ['ada', 'user.create'],
      ['ada', 'user.create'],
      ['eve', 'user.create'],
    ]);
  });

  it('given users.create, then only an admin on this machine may create an account, and the new user can sign in', async () => {
    const c = await consoleOn('users');
    const newUser = { method: 'users.create', userName: 'otto', role: 'operator', secretKind: 'pin', secret: '471102' };
    const erin = await c.signIn('erin', SECRETS.erin!);
    expect(err(await c.host.handle(erin, { id: 'u1', ...newUser }))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/needs admin/) });
    const adaRemote = await c.signIn('ada', SECRETS.ada!, REMOTE);
    expect(err(await c.host.handle(adaRemote, { id: 'u2', ...newUser }))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/capped at viewer/) });
    const ada = await c.signIn('ada', SECRETS.ada!);
    expect(err(await c.host.handle(ada, { id: 'u3', ...newUser, secret: '12' }))).toMatchObject({ code: 'refused', message: expect.stringMatching(/PIN has 6/) });
    const created = await c.host.handle(ada, { id: 'u4', ...newUser });
    expect(created).toMatchObject({ ok: true, value: { userName: 'otto', role: 'operator', secretKind: 'pin', createdBy: 'ada', disabled: false } });
    expect(JSON.stringify(created)).not.toContain('471102');
    expect(err(await c.host.handle(ada, { id: 'u5', ...newUser }))).toMatchObject({ code: 'refused', message: expect.stringMatching(/already exists/) });
    const otto = await c.signIn('otto', '471102');
    expect(await c.host.handle(otto, { id: 'w', method: 'whoami' })).toMatchObject({ ok: true, value: { userName: 'otto', role: 'operator' } });
    expect(await c.host.handle(erin, { id: 'a', method: 'audit.list', limit: 3 })).toMatchObject({ ok: true, value: [{ actor: 'otto', action: 'login' }, {}, {}] });
  });
});
