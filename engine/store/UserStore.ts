import type Database from 'better-sqlite3';
import { StoreRequestError } from './result';

/**
 * What a person may do at the console, from least to most. A closed set, CHECKed in SQL: the
 * permission table in `engine/auth/roles.ts` has one column per role.
 */
export type UserRole = 'viewer' | 'operator' | 'engineer' | 'admin';

/**
 * The roles a session from another machine may be granted (schema v8 CHECKs the same three): every
 * role but admin. Why admin is left out is `REMOTE_GRANT_CEILING`'s doc (engine/auth/remoteGrant.ts).
 */
export type RemoteGrant = Exclude<UserRole, 'admin'>;

/** How a user proves who they are: a password (desk) or a PIN (touch panel on the shop floor). */
export type SecretKind = 'password' | 'pin';

/**
 * A secret as stored: the scrypt hash, its salt and the cost parameters used, so each account can
 * be verified with the parameters it was hashed with even after the defaults are raised.
 */
export interface StoredSecret {
  kind: SecretKind;
  hash: Uint8Array;
  salt: Uint8Array;
  n: number;
  r: number;
  p: number;
  keylenBytes: number;
}

/** An account without its secret: what listings, sessions and the permission check see. */
export interface UserRecord {
  userName: string;
  displayName: string;
  role: UserRole;
  secretKind: SecretKind;
  createdMs: number;
  /** The admin who created the account (the first admin created itself). */
  createdBy: string;
  disabled: boolean;
  /** The highest role a session of this account acts with when signed in from another machine. */
  remoteMaxRole: RemoteGrant;
  /** When the account last signed in successfully; null if never. */
  lastSignInMs: number | null;
}

/** A new account to insert. */
export interface NewUser {
  userName: string;
  displayName: string;
  role: UserRole;
  secret: StoredSecret;
  createdMs: number;
  createdBy: string;
}

interface UserRow {
  user_name: string;
  display_name: string;
  role: UserRole;
  secret_kind: SecretKind;
  created_ms: number;
  created_by: string;
  disabled: number;
  remote_max_role: RemoteGrant;
  last_sign_in_ms: number | null;
}

interface SecretRow {
  secret_kind: SecretKind;
  secret_hash: Buffer;
  secret_salt: Buffer;
  scrypt_n: number;
  scrypt_r: number;
  scrypt_p: number;
  scrypt_keylen_bytes: number;
}

type Stmt = Database.Statement<unknown[], unknown>;

const USER_COLUMNS = 'user_name, display_name, role, secret_kind, created_ms, created_by, disabled, remote_max_role, last_sign_in_ms';

function toUser(r: UserRow): UserRecord {
  return {
    userName: r.user_name,
    displayName: r.display_name,
    role: r.role,
    secretKind: r.secret_kind,
    createdMs: r.created_ms,
    createdBy: r.created_by,
    disabled: r.disabled === 1,
    remoteMaxRole: r.remote_max_role,
    lastSignInMs: r.last_sign_in_ms,
  };
}

/** Views a Uint8Array as a Buffer without copying, which is what better-sqlite3 binds as a BLOB. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Typed access to the `users` table (schema v3, remote grants and last sign-in from v8). It only stores and reads: rules (who may create
 * whom, the last admin, secret strength) live in `engine/auth/Accounts`, which also writes the
 * audit row in the same transaction as every change. Secrets are read through `secretOf` only, so
 * a listing can never carry a hash to the UI by accident.
 */
export class UserStore {
  readonly #s: Record<'insert' | 'get' | 'secret' | 'list' | 'setRole' | 'setDisabled' | 'setRemote' | 'signedIn' | 'admins', Stmt>;

  constructor(db: Database.Database) {
    const p = (sql: string): Stmt => db.prepare(sql);
    this.#s = {
      insert: p(`INSERT INTO users (user_name, display_name, role, secret_kind, secret_hash, secret_salt, scrypt_n, scrypt_r, scrypt_p,
        scrypt_keylen_bytes, created_ms, created_by) VALUES (@userName, @displayName, @role, @kind, @hash, @salt, @n, @r, @p,
        @keylenBytes, @createdMs, @createdBy)`),
      get: p(`SELECT ${USER_COLUMNS} FROM users WHERE user_name = ?`),
      secret: p('SELECT secret_kind, secret_hash, secret_salt, scrypt_n, scrypt_r, scrypt_p, scrypt_keylen_bytes FROM users WHERE user_name = ?'),
      list: p(`SELECT ${USER_COLUMNS} FROM users ORDER BY user_name`),
      setRole: p('UPDATE users SET role = ? WHERE user_name = ?'),
      setDisabled: p('UPDATE users SET disabled = ? WHERE user_name = ?'),
      setRemote: p('UPDATE users SET remote_max_role = ? WHERE user_name = ?'),
      signedIn: p('UPDATE users SET last_sign_in_ms = ? WHERE user_name = ?'),
      admins: p("SELECT count(*) FROM users WHERE role = 'admin' AND (@enabledOnly = 0 OR disabled = 0)").pluck(),
    };
  }

  /** Inserts an account; a taken name fails with SQLITE_CONSTRAINT_PRIMARYKEY. */
  insert(u: NewUser): void {
    this.#s.insert.run({
      userName: u.userName,
      displayName: u.displayName,
      role: u.role,
      kind: u.secret.kind,
      hash: asBuffer(u.secret.hash),
      salt: asBuffer(u.secret.salt),
      n: u.secret.n,
      r: u.secret.r,
      p: u.secret.p,
      keylenBytes: u.secret.keylenBytes,
      createdMs: u.createdMs,
      createdBy: u.createdBy,
    });
  }

  /** One account without its secret, or null. */
  get(userName: string): UserRecord | null {
    const row = this.#s.get.get(userName) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  /** The stored hash of an account, for login only; null if there is no such account. */
  secretOf(userName: string): StoredSecret | null {
    const r = this.#s.secret.get(userName) as SecretRow | undefined;
    if (!r) return null;
    return {
      kind: r.secret_kind,
      hash: new Uint8Array(r.secret_hash),
      salt: new Uint8Array(r.secret_salt),
      n: r.scrypt_n,
      r: r.scrypt_r,
      p: r.scrypt_p,
      keylenBytes: r.scrypt_keylen_bytes,
    };
  }

  /** Every account by name, disabled ones included (they still appear in the audit trail). */
  list(): UserRecord[] {
    return (this.#s.list.all() as UserRow[]).map(toUser);
  }

  /** Changes an account's role; throws `VIGIL_NO_SUCH_USER` if it does not exist. */
  setRole(userName: string, role: UserRole): void {
    if (this.#s.setRole.run(role, userName).changes === 0) this.#missing(userName);
  }

  /** Disables or re-enables an account; throws `VIGIL_NO_SUCH_USER` if it does not exist. */
  setDisabled(userName: string, disabled: boolean): void {
    if (this.#s.setDisabled.run(disabled ? 1 : 0, userName).changes === 0) this.#missing(userName);
  }

  /** Changes an account's remote grant; throws `VIGIL_NO_SUCH_USER` if it does not exist. */
  setRemoteMaxRole(userName: string, grant: RemoteGrant): void {
    if (this.#s.setRemote.run(grant, userName).changes === 0) this.#missing(userName);
  }

  /** Records a successful sign-in at `atMs`; throws `VIGIL_NO_SUCH_USER` if the account does not exist. */
  recordSignIn(userName: string, atMs: number): void {
    if (this.#s.signedIn.run(atMs, userName).changes === 0) this.#missing(userName);
  }

  /** How many admin accounts exist (only enabled ones with `enabledOnly`). */
  countAdmins(enabledOnly: boolean): number {
    return this.#s.admins.get({ enabledOnly: enabledOnly ? 1 : 0 }) as number;
  }

  #missing(userName: string): never {
    throw new StoreRequestError('VIGIL_NO_SUCH_USER', `no user named ${userName}`);
  }
}
