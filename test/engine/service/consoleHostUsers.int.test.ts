import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { Accounts } from '../../../engine/auth/Accounts';
import { ConfigService } from '../../../engine/config/ConfigService';
import { SessionInfoSchema, UserListSchema, UserViewSchema, type ConsoleReply } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { ConsoleHost } from '../../../engine/service/ConsoleHost';
import { OperatorActions } from '../../../engine/service/OperatorActions';
import { openStore } from '../../../engine/store/openStore';
import { vectorAsset } from '../../support/vectorAsset';

/**
 * The admin's user methods and remote grants through the console protocol's host, over a small
 * real console (one machine, SQLite on disk, real accounts and audit trail): a session from
 * another machine acts with the lower of its account's role and its remote grant, re-read on
 * every request, and every grant is the admin's, with a reason, in the audit trail.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-console-users-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ASSET = 'press-7';
/** Cheap scrypt: these tests are about the host, not the hashing cost. */
const FAST_SCRYPT = { n: 2 ** 10, r: 8, p: 1, keylenBytes: 32 };
const LOCAL = { remote: false };
const REMOTE = { remote: true };
const SECRETS = { ada: 'correct horse battery', olga: '582914', erin: 'bearing-grease-42', vic: 'just-looking-1234' } as const;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A console like `startDemoConsole` wires it, with an injected clock: admin ada, operator olga (PIN), engineer erin, viewer vic. */
async function consoleOn(name: string) {
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
  await accounts.createFirstAdmin('ada', SECRETS.ada);
  await accounts.createUser({ userName: 'ada' }, { userName: 'olga', role: 'operator', secretKind: 'pin', secret: SECRETS.olga });
  await accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: SECRETS.erin });
  await accounts.createUser({ userName: 'ada' }, { userName: 'vic', role: 'viewer', secretKind: 'password', secret: SECRETS.vic });
  const host = new ConsoleHost({ engine, board, accounts, actions, configs, store }, { clock, sessionTtlMs: 3_600_000 });
  cleanups.push(async () => {
    await engine.dispose();
    await store.close();
  });
  const signIn = async (userName: keyof typeof SECRETS, origin = LOCAL): Promise<string> => {
    const r = await host.signIn({ userName, secret: SECRETS[userName] }, origin);
    if (!r.ok) throw new Error(r.reason);
    return r.reply.token;
  };
  let seq = 0;
  const ask = (token: string, method: string, params: Record<string, unknown> = {}): Promise<ConsoleReply> => host.handle(token, { id: `r${++seq}`, method, ...params });
  return { t, engine, actuator, accounts, host, signIn, ask };
}

const err = (r: ConsoleReply) => (r.ok ? null : r.error);
const value = (r: ConsoleReply) => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const tripOf = (reason: string) => ({ target: ASSET, reason });

describe('ConsoleHost: remote grants', () => {
  it('given an operator signed in from another machine, then she cannot trip until an admin grants operator, and the next request after a revoke is refused again', async () => {
    const c = await consoleOn('grant-trip');
    const olga = await c.signIn('olga', REMOTE);
    const ada = await c.signIn('ada');
    expect(SessionInfoSchema.parse(value(await c.ask(olga, 'whoami')))).toEqual({ userName: 'olga', role: 'viewer', expiresMs: c.t.ms + 3_600_000, remote: true, cappedFrom: 'operator' });

    // No grant: forbidden, saying what caps her and who can change it; audited as refused; no trip.
    const refused = err(await c.ask(olga, 'trip', tripOf('smoke seen from the gatehouse')));
    expect(refused).toEqual({
      code: 'forbidden',
      message: 'olga may not trip on press-7: role viewer may not trip; it needs operator or above: sessions of olga from another machine are capped at viewer; an admin can grant more (up to engineer), or sign in at the console workstation',
    });
    expect(c.actuator.trips()).toHaveLength(0);

    // The admin grants operator: the same session trips on its next request, without signing in again.
    expect(UserViewSchema.parse(value(await c.ask(ada, 'users.grantRemote', { userName: 'olga', maxRole: 'operator', reason: 'gatehouse e-stop for the night shift' })))).toMatchObject({ userName: 'olga', remoteMaxRole: 'operator' });
    expect(value(await c.ask(olga, 'whoami'))).toEqual({ userName: 'olga', role: 'operator', expiresMs: c.t.ms + 3_600_000, remote: true });
    expect(await c.ask(olga, 'trip', tripOf('smoke seen from the gatehouse, again'))).toMatchObject({ ok: true, value: [{ assetId: ASSET, actuator: 'builtin-recorder' }] });
    expect(c.actuator.trips()).toHaveLength(1);

    // Revoked: the very next request is refused.
    value(await c.ask(ada, 'users.grantRemote', { userName: 'olga', maxRole: 'viewer', reason: 'gatehouse terminal retired' }));
    expect(err(await c.ask(olga, 'trip', tripOf('one more from the gatehouse')))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/capped at viewer; an admin can grant more/) });
    expect(c.actuator.trips()).toHaveLength(1);

    expect(c.accounts.audit.list({ limit: 20, action: 'trip' }).reverse().map((r) => [r.actor, r.role, r.outcome, r.reason])).toEqual([
      ['olga', 'viewer', 'refused', 'smoke seen from the gatehouse'],
      ['olga', 'operator', 'done', 'smoke seen from the gatehouse, again'],
      ['olga', 'viewer', 'refused', 'one more from the gatehouse'],
    ]);
  });

  it('given grants, then each is audited with who, when, before, after and why; an engineer may not grant and is audited; a local operator is never capped', async () => {
    const c = await consoleOn('grant-audit');
    const ada = await c.signIn('ada');
    const erin = await c.signIn('erin');
    const olgaHere = await c.signIn('olga');
    const grantOlga = { userName: 'olga', maxRole: 'operator', reason: 'gatehouse e-stop for the night shift' };

    expect(err(await c.ask(erin, 'users.grantRemote', grantOlga))).toEqual({
      code: 'forbidden',
      message: 'erin may not user.remote.grant on olga: role engineer may not user.remote.grant; it needs admin or above',
    });
    expect(c.accounts.getUser('olga')?.remoteMaxRole).toBe('viewer');
    c.t.ms += 60_000;
    value(await c.ask(ada, 'users.grantRemote', grantOlga));
    c.t.ms += 60_000;
    value(await c.ask(ada, 'users.grantRemote', { ...grantOlga, maxRole: 'viewer', reason: 'gatehouse terminal retired' }));
    expect(err(await c.ask(ada, 'users.grantRemote', { ...grantOlga, reason: '' }))).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/give a reason/) });

    const rows = c.accounts.audit.list({ limit: 20, action: 'user.remote.grant' }).reverse();
    expect(rows.map(({ atMs, actor, role, target, before, after, reason, outcome, refusal }) => ({ atMs, actor, role, target, before, after, reason, outcome, refusal }))).toEqual([
      { atMs: c.t.ms - 120_000, actor: 'erin', role: 'engineer', target: 'olga', before: { remoteMaxRole: 'viewer' }, after: { remoteMaxRole: 'operator' }, reason: grantOlga.reason, outcome: 'refused', refusal: 'role engineer may not user.remote.grant; it needs admin or above' },
      { atMs: c.t.ms - 60_000, actor: 'ada', role: 'admin', target: 'olga', before: { remoteMaxRole: 'viewer' }, after: { remoteMaxRole: 'operator' }, reason: grantOlga.reason, outcome: 'done', refusal: null },
      { atMs: c.t.ms, actor: 'ada', role: 'admin', target: 'olga', before: { remoteMaxRole: 'operator' }, after: { remoteMaxRole: 'viewer' }, reason: 'gatehouse terminal retired', outcome: 'done', refusal: null },
    ]);
    // On the console workstation the grant does not matter: olga is the operator she is.
    expect(value(await c.ask(olgaHere, 'whoami'))).toEqual({ userName: 'olga', role: 'operator', expiresMs: expect.any(Number), remote: false });
    expect(await c.ask(olgaHere, 'trip', tripOf('seen it myself'))).toMatchObject({ ok: true });
  });

  it('given an admin signed in from another machine, then user management is refused whatever her grant: admin is never granted remotely', async () => {
    const c = await consoleOn('grant-admin');
    const ada = await c.signIn('ada');
    expect(err(await c.ask(ada, 'users.grantRemote', { userName: 'ada', maxRole: 'admin', reason: 'manage users from home' }))).toEqual({
      code: 'refused',
      message: 'admin cannot be granted to sessions from another machine; the most is engineer',
    });
    value(await c.ask(ada, 'users.grantRemote', { userName: 'ada', maxRole: 'engineer', reason: 'reviews trips from home' }));
    const adaRemote = await c.signIn('ada', REMOTE);
    expect(value(await c.ask(adaRemote, 'whoami'))).toMatchObject({ role: 'engineer', remote: true, cappedFrom: 'admin' });
    expect(err(await c.ask(adaRemote, 'users.list'))).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/users\.list needs admin or above; sessions of ada from another machine are capped at engineer, the most/) });
    for (const [method, params] of [
      ['users.grantRemote', { userName: 'olga', maxRole: 'operator', reason: 'from home' }],
      ['users.setRole', { userName: 'vic', role: 'admin', reason: 'from home' }],
      ['users.disable', { userName: 'erin', reason: 'from home' }],
      ['users.create', { userName: 'mallory', role: 'admin', secretKind: 'password', secret: 'mallory owns the plant' }],
    ] as const) {
      expect(err(await c.ask(adaRemote, method, params)), method).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/capped at engineer/) });
    }
    // What her engineer cap allows still works from home.
    expect(await c.ask(adaRemote, 'audit.list', { limit: 5 })).toMatchObject({ ok: true });
    expect(c.accounts.listUsers().map((u) => [u.userName, u.role, u.disabled, u.remoteMaxRole])).toEqual([
      ['ada', 'admin', false, 'engineer'],
      ['erin', 'engineer', false, 'viewer'],
      ['olga', 'operator', false, 'viewer'],
      ['vic', 'viewer', false, 'viewer'],
    ]);
    expect(c.accounts.audit.list({ limit: 20, outcome: 'refused' }).filter((r) => r.actor === 'ada').map((r) => [r.action, r.role]).reverse()).toEqual([
      ['user.remote.grant', 'admin'],
      ['users.list', 'engineer'],
      ['user.remote.grant', 'engineer'],
      ['user.role.change', 'engineer'],
      ['user.disable', 'engineer'],
      ['user.create', 'engineer'],
    ]);
  });
});

describe('ConsoleHost: users.*', () => {
  it('given users.list, then an admin gets every account with role, state, grant, creation and last sign-in, never a secret; others are refused', async () => {
    const c = await consoleOn('users-list');
    const ada = await c.signIn('ada');
    const signedInMs = c.t.ms;
    const list = UserListSchema.parse(value(await c.ask(ada, 'users.list')));
    expect(list.map((u) => [u.userName, u.role, u.secretKind, u.disabled, u.remoteMaxRole, u.createdBy, u.lastSignInMs])).toEqual([
      ['ada', 'admin', 'password', false, 'viewer', 'ada', signedInMs],
      ['erin', 'engineer', 'password', false, 'viewer', 'ada', null],
      ['olga', 'operator', 'pin', false, 'viewer', 'ada', null],
      ['vic', 'viewer', 'password', false, 'viewer', 'ada', null],
    ]);
    const raw = JSON.stringify(value(await c.ask(ada, 'users.list')));
    for (const secret of Object.values(SECRETS)) expect(raw).not.toContain(secret);
    expect(raw).not.toMatch(/hash|salt|scrypt/i);
    const erin = await c.signIn('erin');
    expect(err(await c.ask(erin, 'users.list'))).toEqual({ code: 'forbidden', message: 'erin may not users.list: users.list needs admin or above; role engineer' });
    expect(c.accounts.audit.list({ limit: 1 })[0]).toMatchObject({ actor: 'erin', role: 'engineer', action: 'users.list', outcome: 'refused' });
  });

  it('given users.setRole, users.disable and users.enable, then an admin changes accounts with a reason, each audited, and the rules of Accounts hold', async () => {
    const c = await consoleOn('users-change');
    const ada = await c.signIn('ada');
    const vic = await c.signIn('vic');
    expect(value(await c.ask(ada, 'users.setRole', { userName: 'vic', role: 'operator', reason: 'trained on the e-stop' }))).toMatchObject({ userName: 'vic', role: 'operator' });
    expect(value(await c.ask(vic, 'whoami'))).toMatchObject({ role: 'operator' });
    expect(err(await c.ask(ada, 'users.setRole', { userName: 'ada', role: 'viewer', reason: 'step down' }))).toEqual({ code: 'refused', message: 'ada is the last enabled admin and cannot be demoted' });
    expect(value(await c.ask(ada, 'users.disable', { userName: 'vic', reason: 'left the company' }))).toMatchObject({ userName: 'vic', disabled: true });
    expect(err(await c.ask(vic, 'whoami'))).toMatchObject({ code: 'unauthenticated' });
    expect(value(await c.ask(ada, 'users.enable', { userName: 'vic', reason: 'came back' }))).toMatchObject({ userName: 'vic', disabled: false });
    expect(err(await c.ask(ada, 'users.disable', { userName: 'nobody', reason: 'typo' }))).toEqual({ code: 'refused', message: 'no user named nobody' });
    expect(c.accounts.audit.list({ limit: 5, actor: 'ada' }).reverse().map((r) => [r.action, r.target, r.outcome, r.reason, r.before, r.after])).toEqual([
      ['user.role.change', 'vic', 'done', 'trained on the e-stop', { role: 'viewer' }, { role: 'operator' }],
      ['user.role.change', 'ada', 'refused', 'step down', { role: 'admin' }, { role: 'viewer' }],
      ['user.disable', 'vic', 'done', 'left the company', { disabled: false }, { disabled: true }],
      ['user.enable', 'vic', 'done', 'came back', { disabled: true }, { disabled: false }],
      ['user.disable', 'nobody', 'refused', 'typo', null, { disabled: true }],
    ]);
  });
});
