import { afterEach, describe, expect, it } from 'vitest';
import { AccountRuleError } from '../../../engine/auth/accountRules';
import type { Accounts } from '../../../engine/auth/Accounts';
import { authorizeAndAudit, UnauthorisedError } from '../../../engine/auth/authorizeAndAudit';
import { tempDirs } from '../store/fixtures';
import { allRows, brief, openAccounts, SECRETS, seedUsers } from './fixtures';

/**
 * Remote grants over real accounts and a real audit trail: who may grant, what may be granted, how
 * a grant caps the permission gate for a requester from another machine, and the record of each.
 */

const tmp = tempDirs();
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  tmp.cleanup();
});

async function seeded() {
  const opened = openAccounts(tmp.path());
  open.push(opened);
  await seedUsers(opened.accounts);
  return opened.accounts;
}

/** Runs `fn`, expecting it to throw an instance of `type`; returns the error. */
function thrown<E>(fn: () => unknown, type: new (...args: never[]) => E): E {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  return caught as E;
}

const ana = { userName: 'ana' };
const grants = (accounts: Accounts) => accounts.listUsers().map((u) => [u.userName, u.remoteMaxRole]);
const newest = (accounts: Accounts) => accounts.audit.list({ limit: 1 })[0]!;

describe('Accounts.grantRemote', () => {
  it('given an admin and a reason, when she grants and then revokes, then each change is stored and audited with before, after and reason', async () => {
    const accounts = await seeded();
    expect(grants(accounts)).toEqual([['ana', 'viewer'], ['erin', 'viewer'], ['olga', 'viewer'], ['vic', 'viewer']]);

    const olga = accounts.grantRemote(ana, 'Olga', 'operator', 'night shift watches from the gatehouse');
    expect(olga).toMatchObject({ userName: 'olga', role: 'operator', remoteMaxRole: 'operator' });
    expect(newest(accounts)).toMatchObject({
      actor: 'ana',
      role: 'admin',
      action: 'user.remote.grant',
      target: 'olga',
      before: { remoteMaxRole: 'viewer' },
      after: { remoteMaxRole: 'operator' },
      reason: 'night shift watches from the gatehouse',
      outcome: 'done',
      refusal: null,
    });
    accounts.grantRemote(ana, 'olga', 'viewer', 'gatehouse terminal retired');
    expect(newest(accounts)).toMatchObject({ before: { remoteMaxRole: 'operator' }, after: { remoteMaxRole: 'viewer' }, reason: 'gatehouse terminal retired', outcome: 'done' });
    expect(grants(accounts)).toEqual([['ana', 'viewer'], ['erin', 'viewer'], ['olga', 'viewer'], ['vic', 'viewer']]);
  });

  it('refuses non-admins, a missing reason, admin, a grant above the role, no change and unknown users — each audited, nothing changed', async () => {
    const accounts = await seeded();
    const before = allRows(accounts).length;
    expect(thrown(() => accounts.grantRemote({ userName: 'erin' }, 'olga', 'operator', 'I need her from home'), UnauthorisedError).reason).toBe(
      'role engineer may not user.remote.grant; it needs admin or above',
    );
    expect(thrown(() => accounts.grantRemote(ana, 'olga', 'operator', '  '), UnauthorisedError).reason).toBe('user.remote.grant needs a reason');
    const rules = [
      [() => accounts.grantRemote(ana, 'ana', 'admin', 'manage users from home'), 'remote_ceiling'],
      [() => accounts.grantRemote(ana, 'vic', 'operator', 'let vic trip from the office'), 'remote_above_role'],
      [() => accounts.grantRemote(ana, 'erin', 'viewer', 'already nothing'), 'no_change'],
      [() => accounts.grantRemote(ana, 'zed', 'operator', 'who is zed'), 'no_such_user'],
    ] as const;
    for (const [attempt, rule] of rules) expect(thrown(attempt, AccountRuleError).rule).toBe(rule);
    expect(allRows(accounts).slice(before).map(brief)).toEqual([
      ['erin', 'engineer', 'user.remote.grant', 'olga', 'refused', 'role engineer may not user.remote.grant; it needs admin or above'],
      ['ana', 'admin', 'user.remote.grant', 'olga', 'refused', 'user.remote.grant needs a reason'],
      ['ana', 'admin', 'user.remote.grant', 'ana', 'refused', 'admin cannot be granted to sessions from another machine; the most is engineer'],
      ['ana', 'admin', 'user.remote.grant', 'vic', 'refused', "vic is viewer; a remote grant cannot exceed the account's own role"],
      ['ana', 'admin', 'user.remote.grant', 'erin', 'refused', 'erin already has remote grant viewer'],
      ['ana', 'admin', 'user.remote.grant', 'zed', 'refused', 'no user named zed'],
    ]);
    expect(grants(accounts)).toEqual([['ana', 'viewer'], ['erin', 'viewer'], ['olga', 'viewer'], ['vic', 'viewer']]);
  });

  it('given an admin signed in from another machine, then she acts as her remote cap and cannot grant anything', async () => {
    const accounts = await seeded();
    accounts.grantRemote(ana, 'ana', 'engineer', 'reviews trips from home');
    const err = thrown(() => accounts.grantRemote({ userName: 'ana', remote: true }, 'olga', 'operator', 'from home'), UnauthorisedError);
    expect(err.reason).toBe(
      'role engineer may not user.remote.grant; it needs admin or above: sessions of ana from another machine are capped at engineer, the most a remote session can be granted; sign in at the console workstation',
    );
    expect(brief(newest(accounts))).toEqual(['ana', 'engineer', 'user.remote.grant', 'olga', 'refused', err.reason]);
    expect(accounts.getUser('olga')?.remoteMaxRole).toBe('viewer');
  });

  it('given a demotion below the grant, then the grant comes down with it in the same audit row, and a later promotion does not raise it', async () => {
    const accounts = await seeded();
    accounts.grantRemote(ana, 'erin', 'engineer', 'resets after reviewed trips from the office');
    expect(accounts.changeRole(ana, 'erin', 'operator', 'moved to operations')).toMatchObject({ role: 'operator', remoteMaxRole: 'operator' });
    expect(newest(accounts)).toMatchObject({
      action: 'user.role.change',
      target: 'erin',
      before: { role: 'engineer', remoteMaxRole: 'engineer' },
      after: { role: 'operator', remoteMaxRole: 'operator' },
      outcome: 'done',
    });
    expect(accounts.changeRole(ana, 'erin', 'engineer', 'back to reliability')).toMatchObject({ role: 'engineer', remoteMaxRole: 'operator' });
    expect(newest(accounts)).toMatchObject({ before: { role: 'operator' }, after: { role: 'engineer' } });
    expect(newest(accounts).before).toEqual({ role: 'operator' });
  });
});

describe('the permission gate for a requester from another machine', () => {
  it('caps the role by the grant, re-read per request: refused with the cap named, allowed after a grant, refused again after a revoke', async () => {
    const accounts = await seeded();
    const olgaRemote = { userName: 'olga', remote: true };
    const trip = () => authorizeAndAudit(accounts, olgaRemote, { action: 'trip', target: 'pump-1', reason: 'smoke' }, () => 'tripped');
    const refusal = await trip().then(() => null, (e: unknown) => e as UnauthorisedError);
    expect(refusal?.reason).toBe(
      'role viewer may not trip; it needs operator or above: sessions of olga from another machine are capped at viewer; an admin can grant more (up to engineer), or sign in at the console workstation',
    );
    accounts.grantRemote(ana, 'olga', 'operator', 'gatehouse e-stop');
    expect(await trip()).toBe('tripped');
    accounts.grantRemote(ana, 'olga', 'viewer', 'gatehouse e-stop removed');
    await expect(trip()).rejects.toBeInstanceOf(UnauthorisedError);
    expect(accounts.audit.list({ limit: 10, action: 'trip' }).reverse().map(brief)).toEqual([
      ['olga', 'viewer', 'trip', 'pump-1', 'refused', refusal!.reason],
      ['olga', 'operator', 'trip', 'pump-1', 'done', null],
      ['olga', 'viewer', 'trip', 'pump-1', 'refused', refusal!.reason],
    ]);
  });

  it('applies the capped role to the finer rules too: an engineer capped at operator shelves for one shift at most', async () => {
    const accounts = await seeded();
    accounts.grantRemote(ana, 'erin', 'operator', 'watches the night shift from home');
    const shelve = (hours: number) =>
      authorizeAndAudit(accounts, { userName: 'erin', remote: true }, { action: 'alarm.shelve', target: 'pump-1/level.alert', reason: 'sensor swap', shelveDurationMs: hours * 3_600_000 }, () => hours);
    await expect(shelve(10)).rejects.toThrow(/role operator may shelve for at most 8 h \(asked 10 h\): sessions of erin from another machine are capped at operator/);
    expect(await shelve(4)).toBe(4);
    // On this machine the same account shelves as the engineer it is.
    expect(await authorizeAndAudit(accounts, { userName: 'erin' }, { action: 'alarm.shelve', target: 'pump-1/level.alert', reason: 'sensor swap', shelveDurationMs: 10 * 3_600_000 }, () => 10)).toBe(10);
    expect(accounts.audit.list({ limit: 3, action: 'alarm.shelve' }).reverse().map((r) => [r.role, r.outcome])).toEqual([
      ['operator', 'refused'],
      ['operator', 'done'],
      ['engineer', 'done'],
    ]);
  });
});

describe('last sign-in', () => {
  it('is stored with the login audit row, at the same time, and only for a successful login', async () => {
    const accounts = await seeded();
    expect(accounts.getUser('erin')?.lastSignInMs).toBeNull();
    expect((await accounts.verifyLogin('erin', 'not the password at all')).ok).toBe(false);
    expect(accounts.getUser('erin')?.lastSignInMs).toBeNull();
    expect((await accounts.verifyLogin('erin', SECRETS.engineer)).ok).toBe(true);
    const login = newest(accounts);
    expect([login.actor, login.action, login.outcome]).toEqual(['erin', 'login', 'done']);
    expect(accounts.getUser('erin')?.lastSignInMs).toBe(login.atMs);
  });
});
