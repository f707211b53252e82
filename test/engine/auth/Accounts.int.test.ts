import { afterEach, describe, expect, it } from 'vitest';
import { AccountRuleError } from '../../../engine/auth/accountRules';
import { LOGIN_REFUSED, type Accounts } from '../../../engine/auth/Accounts';
import { UnauthorisedError } from '../../../engine/auth/authorizeAndAudit';
import { SecretRuleError } from '../../../engine/auth/passwords';
import { tempDirs } from '../store/fixtures';
import { allRows, brief, openAccounts, SECRETS, seedUsers } from './fixtures';

const tmp = tempDirs();
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  tmp.cleanup();
});

function fresh(path = tmp.path()) {
  const opened = openAccounts(path);
  open.push(opened);
  return opened;
}

/** Awaits `p`, expecting it to fail with an instance of `type`; returns the error. */
async function rejection<E>(p: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}

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

const newestRow = (accounts: Accounts) => brief(accounts.audit.list({ limit: 1 })[0]!);

describe('Accounts: first run', () => {
  it('has no default account: admin/admin, empty and made-up logins all fail, and are audited', async () => {
    const { accounts } = fresh();
    expect(accounts.needsFirstRunSetup()).toBe(true);
    expect(accounts.listUsers()).toEqual([]);

    const attempts: [string, string][] = [['admin', 'admin'], ['admin', ''], ['', ''], ['admin', 'password'], ['root', 'correct horse battery staple']];
    const results = await Promise.all(attempts.map(([n, s]) => accounts.verifyLogin(n, s)));
    expect(results).toEqual([
      { ok: false, reason: LOGIN_REFUSED },
      { ok: false, reason: 'enter a user name and a password or PIN' },
      { ok: false, reason: 'enter a user name and a password or PIN' },
      { ok: false, reason: LOGIN_REFUSED },
      { ok: false, reason: LOGIN_REFUSED },
    ]);
    expect(allRows(accounts).map(brief).sort()).toEqual(
      [
        ['admin', null, 'login', null, 'refused', 'unknown user'],
        ['admin', null, 'login', null, 'refused', 'no user name or no secret given'],
        ['(no name)', null, 'login', null, 'refused', 'no user name or no secret given'],
        ['admin', null, 'login', null, 'refused', 'unknown user'],
        ['root', null, 'login', null, 'refused', 'unknown user'],
      ].sort(),
    );
    expect(accounts.needsFirstRunSetup()).toBe(true);
  });

  it('creates the first admin once, with a password that meets the rules; later attempts are refused and audited', async () => {
    const { accounts } = fresh();
    const weak = await rejection(accounts.createFirstAdmin('ana', 'admin'), SecretRuleError);
    expect(weak.rule).toBe('password_too_short');
    await rejection(accounts.createFirstAdmin('ana', '482915'), SecretRuleError); // a PIN is not enough for an admin
    expect(accounts.needsFirstRunSetup()).toBe(true);

    const ana = await accounts.createFirstAdmin('  Ana ', SECRETS.admin, 'Ana Admin');
    expect(ana).toEqual({
      userName: 'ana',
      displayName: 'Ana Admin',
      role: 'admin',
      secretKind: 'password',
      createdMs: expect.any(Number),
      createdBy: 'ana',
      disabled: false,
      remoteMaxRole: 'viewer',
      lastSignInMs: null,
    });
    expect(accounts.needsFirstRunSetup()).toBe(false);

    const late = await rejection(accounts.createFirstAdmin('mallory', 'another long password'), UnauthorisedError);
    expect(late.reason).toBe('first-run setup is over: an admin account exists');
    expect(accounts.listUsers().map((u) => u.userName)).toEqual(['ana']);
    expect(await accounts.verifyLogin('ana', SECRETS.admin)).toEqual({ ok: true, user: ana });

    expect(allRows(accounts).map(brief)).toEqual([
      ['ana', null, 'user.create', 'ana', 'refused', 'a password has at least 12 characters (this one has 5)'],
      ['ana', null, 'user.create', 'ana', 'refused', 'a password has at least 12 characters (this one has 6)'],
      ['ana', 'admin', 'user.create', 'ana', 'done', null],
      ['mallory', null, 'user.create', 'mallory', 'refused', 'first-run setup is over: an admin account exists'],
      ['ana', 'admin', 'login', null, 'done', null],
    ]);
  });

  it('lets only one of two racing first-run setups win', async () => {
    const { accounts } = fresh();
    const results = await Promise.allSettled([
      accounts.createFirstAdmin('ana', SECRETS.admin),
      accounts.createFirstAdmin('bob', 'bobs own long password'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(UnauthorisedError);
    expect(accounts.listUsers()).toHaveLength(1);
  });
});

describe('Accounts: login', () => {
  it('passes right secrets and fails wrong ones, audits every attempt and never stores a secret', async () => {
    const { accounts } = fresh();
    await seedUsers(accounts);
    const wrong = ['correct horse battery stapl', '482916', 'vibration-engineer-2025', 'nobody-knows-this'];
    const results = await Promise.all([
      accounts.verifyLogin('ana', SECRETS.admin),
      accounts.verifyLogin('ERIN', SECRETS.engineer),
      accounts.verifyLogin('olga', SECRETS.operator),
      accounts.verifyLogin('vic', SECRETS.viewer),
      accounts.verifyLogin('ana', wrong[0]!),
      accounts.verifyLogin('olga', wrong[1]!),
      accounts.verifyLogin('erin', wrong[2]!),
      accounts.verifyLogin('zoe', wrong[3]!),
    ]);
    expect(results.map((r) => (r.ok ? `ok:${r.user.userName}:${r.user.role}` : r.reason))).toEqual([
      'ok:ana:admin',
      'ok:erin:engineer',
      'ok:olga:operator',
      'ok:vic:viewer',
      LOGIN_REFUSED,
      LOGIN_REFUSED,
      LOGIN_REFUSED,
      LOGIN_REFUSED,
    ]);
    const logins = allRows(accounts).filter((r) => r.action === 'login').map(brief);
    expect(logins.sort()).toEqual(
      [
        ['ana', 'admin', 'login', null, 'done', null],
        ['erin', 'engineer', 'login', null, 'done', null],
        ['olga', 'operator', 'login', null, 'done', null],
        ['vic', 'viewer', 'login', null, 'done', null],
        ['ana', 'admin', 'login', null, 'refused', 'wrong secret'],
        ['olga', 'operator', 'login', null, 'refused', 'wrong secret'],
        ['erin', 'engineer', 'login', null, 'refused', 'wrong secret'],
        ['zoe', null, 'login', null, 'refused', 'unknown user'],
      ].sort(),
    );
    const everything = JSON.stringify(allRows(accounts));
    for (const secret of [...Object.values(SECRETS), ...wrong]) expect(everything).not.toContain(secret);
  });

  it('refuses a disabled user, saying so only when the secret was right', async () => {
    const { accounts } = fresh();
    await seedUsers(accounts);
    expect(accounts.disableUser({ userName: 'ana' }, 'olga', 'moved to another site').disabled).toBe(true);
    expect(await accounts.verifyLogin('olga', SECRETS.operator)).toEqual({ ok: false, reason: 'this account is disabled; ask an admin' });
    expect(await accounts.verifyLogin('olga', '555123')).toEqual({ ok: false, reason: LOGIN_REFUSED });
    expect(accounts.enableUser({ userName: 'ana' }, 'olga', 'back on shift').disabled).toBe(false);
    expect((await accounts.verifyLogin('olga', SECRETS.operator)).ok).toBe(true);
    expect(allRows(accounts).slice(-5).map(brief)).toEqual([
      ['ana', 'admin', 'user.disable', 'olga', 'done', null],
      ['olga', 'operator', 'login', null, 'refused', 'account disabled'],
      ['olga', 'operator', 'login', null, 'refused', 'wrong secret'],
      ['ana', 'admin', 'user.enable', 'olga', 'done', null],
      ['olga', 'operator', 'login', null, 'done', null],
    ]);
  });
});

describe('Accounts: user management', () => {
  it('lets only admins manage users, and audits each refusal with its reason', async () => {
    const { accounts } = fresh();
    await seedUsers(accounts);
    const create = (actor: string) =>
      accounts.createUser({ userName: actor }, { userName: 'sam', role: 'operator', secretKind: 'pin', secret: '902137' });
    expect((await rejection(create('erin'), UnauthorisedError)).reason).toBe('role engineer may not user.create; it needs admin or above');
    thrown(() => accounts.changeRole({ userName: 'olga' }, 'vic', 'admin'), UnauthorisedError);
    thrown(() => accounts.disableUser({ userName: 'vic' }, 'ana'), UnauthorisedError);
    await rejection(create('nobody'), UnauthorisedError);
    expect(allRows(accounts).slice(-4).map(brief)).toEqual([
      ['erin', 'engineer', 'user.create', 'sam', 'refused', 'role engineer may not user.create; it needs admin or above'],
      ['olga', 'operator', 'user.role.change', 'vic', 'refused', 'role operator may not user.role.change; it needs admin or above'],
      ['vic', 'viewer', 'user.disable', 'ana', 'refused', 'role viewer may not user.disable; it needs admin or above'],
      ['nobody', null, 'user.create', 'sam', 'refused', 'no user named nobody'],
    ]);
    expect(accounts.getUser('sam')).toBeNull();
    expect((await create('ana')).role).toBe('operator');
    expect(newestRow(accounts)).toEqual(['ana', 'admin', 'user.create', 'sam', 'done', null]);
    expect(accounts.audit.list({ limit: 1 })[0]?.after).toEqual({ userName: 'sam', displayName: 'sam', role: 'operator', secretKind: 'pin' });
  });

  it("refuses bad names, taken names, weak secrets and PIN admins, audited with the rule's message", async () => {
    const { accounts } = fresh();
    await seedUsers(accounts);
    const ana = { userName: 'ana' };
    const cases: [Parameters<Accounts['createUser']>[1], string][] = [
      [{ userName: 'x y', role: 'viewer', secretKind: 'pin', secret: '902137' }, 'user_name'],
      [{ userName: 'learner', role: 'viewer', secretKind: 'pin', secret: '902137' }, 'user_name'],
      [{ userName: 'Olga', role: 'viewer', secretKind: 'pin', secret: '902137' }, 'user_exists'],
      [{ userName: 'max', role: 'admin', secretKind: 'pin', secret: '902137' }, 'admin_needs_password'],
      [{ userName: 'max', role: 'operator', secretKind: 'pin', secret: '111111' }, 'pin_trivial'],
      [{ userName: 'max', role: 'engineer', secretKind: 'password', secret: 'max' }, 'password_too_short'],
    ];
    for (const [account, rule] of cases) {
      const err = await accounts.createUser(ana, account).then(() => null, (e: unknown) => e);
      expect(err instanceof AccountRuleError || err instanceof SecretRuleError).toBe(true);
      expect((err as AccountRuleError).rule).toBe(rule);
      expect(accounts.audit.list({ limit: 1 })[0]).toMatchObject({ actor: 'ana', action: 'user.create', outcome: 'refused', refusal: (err as Error).message });
    }
    expect(accounts.listUsers().map((u) => u.userName)).toEqual(['ana', 'erin', 'olga', 'vic']);
  });

  it('never demotes or disables the last enabled admin, so first-run setup cannot reopen', async () => {
    const { accounts } = fresh();
    await seedUsers(accounts);
    const ana = { userName: 'ana' };
    expect(thrown(() => accounts.changeRole(ana, 'ana', 'engineer'), AccountRuleError).rule).toBe('last_admin');
    expect(thrown(() => accounts.disableUser(ana, 'ana'), AccountRuleError).rule).toBe('last_admin');
    expect(thrown(() => accounts.changeRole(ana, 'olga', 'admin'), AccountRuleError).rule).toBe('admin_needs_password');
    expect(thrown(() => accounts.changeRole(ana, 'erin', 'engineer'), AccountRuleError).rule).toBe('no_change');
    expect(thrown(() => accounts.disableUser(ana, 'zed'), AccountRuleError).rule).toBe('no_such_user');

    expect(accounts.changeRole(ana, 'erin', 'admin', 'second admin for holidays').role).toBe('admin');
    expect(accounts.changeRole({ userName: 'erin' }, 'ana', 'operator').role).toBe('operator');
    expect(accounts.needsFirstRunSetup()).toBe(false);
    // The demotion applies to ana's next request, not her next login.
    thrown(() => accounts.disableUser(ana, 'vic'), UnauthorisedError);
    expect(allRows(accounts).slice(-3).map(brief)).toEqual([
      ['ana', 'admin', 'user.role.change', 'erin', 'done', null],
      ['erin', 'admin', 'user.role.change', 'ana', 'done', null],
      ['ana', 'operator', 'user.disable', 'vic', 'refused', 'role operator may not user.disable; it needs admin or above'],
    ]);
    expect(accounts.audit.list({ action: 'user.role.change', target: 'ana', outcome: 'done', limit: 1 })[0]).toMatchObject({
      before: { role: 'admin' },
      after: { role: 'operator' },
    });
  });

  it('keeps accounts and their audit rows across reopening the file', async () => {
    const path = tmp.path();
    const first = fresh(path);
    await seedUsers(first.accounts);
    const rows = allRows(first.accounts).length;
    first.close();
    open.splice(0);

    const { accounts } = fresh(path);
    expect(accounts.needsFirstRunSetup()).toBe(false);
    expect(accounts.listUsers().map((u) => [u.userName, u.role, u.secretKind])).toEqual([
      ['ana', 'admin', 'password'],
      ['erin', 'engineer', 'password'],
      ['olga', 'operator', 'pin'],
      ['vic', 'viewer', 'pin'],
    ]);
    expect((await accounts.verifyLogin('olga', SECRETS.operator)).ok).toBe(true);
    expect(allRows(accounts)).toHaveLength(rows + 1);
  });
});
