import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { AuditTrail, type AuditEntryInput } from '../store/AuditTrail';
import { UserStore, type RemoteGrant, type SecretKind, type StoredSecret, type UserRecord } from '../store/UserStore';
import { AccountRuleError, checkDisplayName, checkUserName, normaliseUserName } from './accountRules';
import { authorizeOrRefuse, UnauthorisedError, type AuditedRequest, type AuthorityContext, type Requester } from './authorizeAndAudit';
import { isRemoteGrant, REMOTE_GRANT_CEILING } from './remoteGrant';
import { hashSecret, SALT_BYTES, ScryptParamsError, SecretRuleError, verifySecret, SCRYPT_PARAMS, type ScryptParams } from './passwords';
import { ROLES, type Role, type Subject } from './roles';

/** Knobs for `Accounts`. */
export interface AccountsOptions {
  /** Clock for `created_ms` and audit rows (when no `audit` is given). Default `Date.now`. */
  nowMs?: () => number;
  /** The audit trail to write to; by default one on the same connection with `nowMs`. */
  audit?: AuditTrail;
  /** scrypt cost for new secrets; the production default unless a test needs speed. */
  scryptParams?: ScryptParams;
}

/** A new account as an admin enters it. */
export interface NewAccount {
  userName: string;
  /** Defaults to the user name. */
  displayName?: string;
  role: Role;
  secretKind: SecretKind;
  /** The initial password or PIN; hashed, never stored or audited. */
  secret: string;
  reason?: string | null;
}

/**
 * The answer to a login. `reason` is what the login screen may show: it does not say whether the
 * name exists (the audit row does, for the admin).
 */
export type LoginResult = { ok: true; user: UserRecord } | { ok: false; reason: string };

/** What the login screen shows for an unknown name or a wrong secret alike. */
export const LOGIN_REFUSED = 'unknown user name or wrong password/PIN';

/** What a failed login puts in `actor` when no name was typed. */
const NO_NAME = '(no name)';
/** Longest actor text kept from a login attempt, so a pasted essay does not become an audit row. */
const ACTOR_MAX_CHARS = 64;

const rank = (role: Role): number => ROLES.indexOf(role);
const isRuleError = (err: unknown): err is Error => err instanceof AccountRuleError || err instanceof SecretRuleError;
const isPrimaryKeyConflict = (err: unknown): boolean =>
  err instanceof Error && (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

/**
 * User accounts over the store: first-run setup, login, and the admin's user management, every
 * outcome written to the audit trail (success and refusal, never a secret).
 *
 * There is no default account and no default password: while no admin exists,
 * `needsFirstRunSetup()` is true and `createFirstAdmin` is the only way in; once an admin exists it
 * is refused forever, because the last enabled admin can be neither disabled nor demoted. Changes
 * and their audit rows commit in one transaction, so a user never exists without the row that
 * says who created them.
 *
 * Permission checks re-read the actor's account on every call (via `authorizeOrRefuse`), so a
 * session object held by the UI cannot keep a revoked role alive.
 */
export class Accounts implements AuthorityContext {
  /** Where every account change and login is recorded; shared with `authorizeAndAudit`. */
  readonly audit: AuditTrail;
  readonly #users: UserStore;
  readonly #params: ScryptParams;
  readonly #dummy: StoredSecret;

  constructor(db: Database.Database, options: AccountsOptions = {}) {
    this.audit = options.audit ?? new AuditTrail(db, options.nowMs ? { nowMs: options.nowMs } : {});
    this.#users = new UserStore(db);
    this.#params = options.scryptParams ?? SCRYPT_PARAMS;
    // Random bytes stand in for a hash: verifying against them costs exactly one scrypt and never matches.
    this.#dummy = { kind: 'password', hash: randomBytes(this.#params.keylenBytes), salt: randomBytes(SALT_BYTES), ...this.#params };
  }

  /** See `AuthorityContext.subject`. */
  subject(userName: string): Subject | null {
    return this.#users.get(userName);
  }

  /** One account (without its secret), or null. */
  getUser(userName: string): UserRecord | null {
    return this.#users.get(normaliseUserName(userName));
  }

  /** Every account by name, disabled ones included. */
  listUsers(): UserRecord[] {
    return this.#users.list();
  }

  /** True while no admin account exists: the console must show first-run setup, not a login. */
  needsFirstRunSetup(): boolean {
    return this.#users.countAdmins(false) === 0;
  }

  /**
   * Creates the first admin (a password account; PINs are for the shop floor). Only while
   * `needsFirstRunSetup()`; otherwise the attempt is audited and `UnauthorisedError` thrown. Two
   * racing setups cannot both win: the check is repeated inside the insert's transaction.
   */
  async createFirstAdmin(userName: string, secret: string, displayName?: string): Promise<UserRecord> {
    const name = normaliseUserName(userName);
    const base = { actor: name || NO_NAME, role: null, action: 'user.create', target: name, reason: 'first-run setup' };
    const setupOver = (): never => {
      const refusal = 'first-run setup is over: an admin account exists';
      const auditId = this.audit.record({ ...base, outcome: 'refused', refusal });
      throw new UnauthorisedError(name, 'user.create', name, refusal, auditId);
    };
    if (!this.needsFirstRunSetup()) setupOver();
    let shown: string;
    let stored: StoredSecret;
    try {
      checkUserName(name);
      shown = checkDisplayName(displayName ?? name);
      stored = await hashSecret('password', secret, { userName: name, params: this.#params });
    } catch (err) {
      if (isRuleError(err)) this.#refuse({ ...base }, err);
      throw err;
    }
    const after = { userName: name, displayName: shown, role: 'admin', secretKind: 'password' };
    const lostRace = new Error('another first-run setup finished first');
    try {
      this.audit.record({ ...base, role: 'admin', after, outcome: 'done' }, () => {
        if (!this.needsFirstRunSetup()) throw lostRace;
        this.#users.insert({ userName: name, displayName: shown, role: 'admin', secret: stored, createdMs: this.audit.nowMs(), createdBy: name });
      });
    } catch (err) {
      if (err === lostRace) setupOver();
      throw err;
    }
    return this.#users.get(name) as UserRecord;
  }

  /**
   * Creates an account (admins only; audited with role, kind and display name, never the secret).
   * Refusals (not an admin, bad name, weak secret, name taken, a PIN for an admin) are audited and
   * thrown as `UnauthorisedError`, `AccountRuleError` or `SecretRuleError`.
   */
  async createUser(actor: Requester, account: NewAccount): Promise<UserRecord> {
    const name = normaliseUserName(account.userName);
    const after = { userName: name, displayName: account.displayName ?? name, role: account.role, secretKind: account.secretKind };
    const request: AuditedRequest = { action: 'user.create', target: name, after, reason: account.reason ?? null };
    let acting = authorizeOrRefuse(this, actor, request);
    let stored: StoredSecret;
    try {
      checkUserName(name);
      after.displayName = checkDisplayName(after.displayName);
      if (!ROLES.includes(account.role)) throw new AccountRuleError('role', `unknown role ${String(account.role)}`);
      if (account.role === 'admin' && account.secretKind !== 'password') {
        throw new AccountRuleError('admin_needs_password', 'an admin account needs a password, not a PIN');
      }
      if (this.#users.get(name)) throw new AccountRuleError('user_exists', `a user named ${name} already exists`);
      stored = await hashSecret(account.secretKind, account.secret, { userName: name, params: this.#params });
    } catch (err) {
      if (isRuleError(err)) this.#refuse(this.#entry(actor, acting, request), err);
      throw err;
    }
    // Hashing took a while; the actor may have been demoted or disabled meanwhile.
    acting = authorizeOrRefuse(this, actor, request);
    try {
      this.audit.record({ ...this.#entry(actor, acting, request), outcome: 'done' }, () =>
        this.#users.insert({ userName: name, displayName: after.displayName, role: account.role, secret: stored, createdMs: this.audit.nowMs(), createdBy: actor.userName }),
      );
    } catch (err) {
      if (isPrimaryKeyConflict(err)) {
        this.#refuse(this.#entry(actor, acting, request), new AccountRuleError('user_exists', `a user named ${name} already exists`));
      }
      throw err;
    }
    return this.#users.get(name) as UserRecord;
  }

  /**
   * Checks a login. Every attempt is audited (`login`, done or refused with the cause: unknown
   * user, wrong secret, disabled), never with the secret. An unknown name costs the same scrypt
   * work as a known one, so timing does not reveal which names exist. A disabled account is
   * refused, but only says so once the secret was right.
   */
  async verifyLogin(userName: string, secret: string): Promise<LoginResult> {
    const name = normaliseUserName(userName);
    const actor = name.slice(0, ACTOR_MAX_CHARS) || NO_NAME;
    const refuse = (role: Role | null, refusal: string, reason = LOGIN_REFUSED): LoginResult => {
      this.audit.record({ actor, role, action: 'login', outcome: 'refused', refusal });
      return { ok: false, reason };
    };
    if (!name || !secret) return refuse(null, 'no user name or no secret given', 'enter a user name and a password or PIN');
    const stored = this.#users.secretOf(name);
    if (!stored) {
      await verifySecret(secret, this.#dummy);
      return refuse(null, 'unknown user');
    }
    let match: boolean;
    try {
      match = await verifySecret(secret, stored);
    } catch (err) {
      if (!(err instanceof ScryptParamsError)) throw err;
      return refuse(null, `stored secret unusable: ${err.message}`, 'this account cannot log in; ask an admin');
    }
    const user = this.#users.get(name); // re-read: it may have changed while hashing
    if (!user) return refuse(null, 'unknown user');
    if (!match) return refuse(user.role, 'wrong secret');
    if (user.disabled) return refuse(user.role, 'account disabled', 'this account is disabled; ask an admin');
    this.audit.record({ actor, role: user.role, action: 'login', outcome: 'done' }, (atMs) => this.#users.recordSignIn(name, atMs));
    return { ok: true, user };
  }

  /**
   * Gives an account another role (admins only). Refused: no such user, the same role, a PIN
   * account made admin, or demoting the last enabled admin (nobody could manage users again, and
   * first-run setup must not reopen). A demotion below the account's remote grant lowers the
   * grant with it (in the same audit row's before and after), so a later promotion does not
   * silently widen what the account may do from another machine. Returns the account as changed.
   */
  changeRole(actor: Requester, userName: string, role: Role, reason?: string | null): UserRecord {
    const name = normaliseUserName(userName);
    const current = this.#users.get(name);
    const lowered: RemoteGrant | null = current && isRemoteGrant(role) && rank(role) < rank(current.remoteMaxRole) ? role : null;
    const request: AuditedRequest = {
      action: 'user.role.change',
      target: name,
      before: current && (lowered ? { role: current.role, remoteMaxRole: current.remoteMaxRole } : { role: current.role }),
      after: lowered ? { role, remoteMaxRole: lowered } : { role },
      reason: reason ?? null,
    };
    const acting = authorizeOrRefuse(this, actor, request);
    const entry = this.#entry(actor, acting, request);
    if (!current) this.#refuse(entry, new AccountRuleError('no_such_user', `no user named ${name}`));
    if (!ROLES.includes(role)) this.#refuse(entry, new AccountRuleError('role', `unknown role ${String(role)}`));
    if (current.role === role) this.#refuse(entry, new AccountRuleError('no_change', `${name} already has role ${role}`));
    if (role === 'admin' && current.secretKind !== 'password') {
      this.#refuse(entry, new AccountRuleError('admin_needs_password', 'an admin account needs a password, not a PIN'));
    }
    if (current.role === 'admin' && !current.disabled && this.#users.countAdmins(true) <= 1) {
      this.#refuse(entry, new AccountRuleError('last_admin', `${name} is the last enabled admin and cannot be demoted`));
    }
    this.audit.record({ ...entry, outcome: 'done' }, () => {
      this.#users.setRole(name, role);
      if (lowered) this.#users.setRemoteMaxRole(name, lowered);
    });
    return this.#users.get(name) as UserRecord;
  }

  /**
   * Sets the highest role `userName` may act with when signed in from another machine (admins
   * only, with a reason); `viewer` revokes. Refused: no such user, no change, above
   * `REMOTE_GRANT_CEILING` (admin is never granted remotely), or above the account's own role (a
   * grant the role does not back would widen remote rights on a later promotion). Audited with
   * the grant before and after. It takes effect on the account's next request: the permission
   * gate re-reads it every time. Returns the account as changed.
   */
  grantRemote(actor: Requester, userName: string, maxRole: Role, reason: string): UserRecord {
    const name = normaliseUserName(userName);
    const current = this.#users.get(name);
    const request: AuditedRequest = {
      action: 'user.remote.grant',
      target: name,
      before: current && { remoteMaxRole: current.remoteMaxRole },
      after: { remoteMaxRole: maxRole },
      reason,
    };
    const acting = authorizeOrRefuse(this, actor, request);
    const entry = this.#entry(actor, acting, request);
    if (!current) this.#refuse(entry, new AccountRuleError('no_such_user', `no user named ${name}`));
    if (!ROLES.includes(maxRole)) this.#refuse(entry, new AccountRuleError('role', `unknown role ${String(maxRole)}`));
    if (!isRemoteGrant(maxRole)) {
      this.#refuse(entry, new AccountRuleError('remote_ceiling', `${maxRole} cannot be granted to sessions from another machine; the most is ${REMOTE_GRANT_CEILING}`));
    }
    if (rank(maxRole) > rank(current.role)) {
      this.#refuse(entry, new AccountRuleError('remote_above_role', `${name} is ${current.role}; a remote grant cannot exceed the account's own role`));
    }
    if (current.remoteMaxRole === maxRole) this.#refuse(entry, new AccountRuleError('no_change', `${name} already has remote grant ${maxRole}`));
    this.audit.record({ ...entry, outcome: 'done' }, () => this.#users.setRemoteMaxRole(name, maxRole));
    return this.#users.get(name) as UserRecord;
  }

  /**
   * Stops an account from logging in or acting (admins only); it stays in the table and the audit
   * trail. The last enabled admin cannot be disabled. Returns the account as changed.
   */
  disableUser(actor: Requester, userName: string, reason?: string | null): UserRecord {
    return this.#setDisabled(actor, userName, true, reason ?? null);
  }

  /** Lets a disabled account log in again (admins only). Returns the account as changed. */
  enableUser(actor: Requester, userName: string, reason?: string | null): UserRecord {
    return this.#setDisabled(actor, userName, false, reason ?? null);
  }

  #setDisabled(actor: Requester, userName: string, disabled: boolean, reason: string | null): UserRecord {
    const name = normaliseUserName(userName);
    const current = this.#users.get(name);
    const request: AuditedRequest = {
      action: disabled ? 'user.disable' : 'user.enable',
      target: name,
      before: current && { disabled: current.disabled },
      after: { disabled },
      reason,
    };
    const acting = authorizeOrRefuse(this, actor, request);
    const entry = this.#entry(actor, acting, request);
    if (!current) this.#refuse(entry, new AccountRuleError('no_such_user', `no user named ${name}`));
    if (current.disabled === disabled) {
      this.#refuse(entry, new AccountRuleError('no_change', `${name} is already ${disabled ? 'disabled' : 'enabled'}`));
    }
    if (disabled && current.role === 'admin' && this.#users.countAdmins(true) <= 1) {
      this.#refuse(entry, new AccountRuleError('last_admin', `${name} is the last enabled admin and cannot be disabled`));
    }
    this.audit.record({ ...entry, outcome: 'done' }, () => this.#users.setDisabled(name, disabled));
    return this.#users.get(name) as UserRecord;
  }

  /** The audit row for `request` by an authorised `acting` user, before its outcome is known. */
  #entry(actor: Requester, acting: Subject, request: AuditedRequest): Omit<AuditEntryInput, 'outcome'> {
    return {
      actor: actor.userName,
      role: acting.role,
      action: request.action,
      target: request.target ?? null,
      before: request.before,
      after: request.after,
      reason: request.reason ?? null,
    };
  }

  /** Records a refusal with the error's message, then throws the error. */
  #refuse(entry: Omit<AuditEntryInput, 'outcome'>, err: Error): never {
    this.audit.record({ ...entry, outcome: 'refused', refusal: err.message });
    throw err;
  }
}
