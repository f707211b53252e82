import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../engine/store/AuditTrail';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../engine/store/migrations';
import { openDatabase } from '../../../engine/store/openDatabase';
import { UserStore } from '../../../engine/store/UserStore';
import { tempDirs } from './fixtures';

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const UP_TO_V7 = MIGRATIONS.slice(0, 7);

/** Inserts an account the way a v3..v7 build stored it (no v8 columns). */
function insertUser(db: Database.Database, userName: string, role: string, createdMs: number): void {
  db.prepare(`INSERT INTO users (user_name, display_name, role, secret_kind, secret_hash, secret_salt, scrypt_n, scrypt_r, scrypt_p,
    scrypt_keylen_bytes, created_ms, created_by) VALUES (?, ?, ?, 'password', zeroblob(32), zeroblob(16), 32768, 8, 1, 32, ?, 'ana')`).run(userName, userName.toUpperCase(), role, createdMs);
}

/**
 * A database file as a v7 build left it: an admin, an engineer and an operator (the operator
 * disabled), with successful and refused logins in the audit trail; the operator never signed in.
 */
function writeV7File(path: string): void {
  const { db, migration } = openDatabase(path, { nowMs: () => 1, migrations: UP_TO_V7 });
  try {
    expect(migration.toVersion).toBe(7);
    insertUser(db, 'ana', 'admin', 100);
    insertUser(db, 'erin', 'engineer', 200);
    insertUser(db, 'olga', 'operator', 300);
    db.prepare("UPDATE users SET disabled = 1 WHERE user_name = 'olga'").run();
    let atMs = 0;
    const audit = new AuditTrail(db, { nowMs: () => atMs });
    const login = (at: number, actor: string, outcome: 'done' | 'refused') => {
      atMs = at;
      audit.record({ actor, role: null, action: 'login', outcome, refusal: outcome === 'done' ? null : 'wrong secret' });
    };
    login(4000, 'ana', 'done');
    login(5000, 'erin', 'done');
    login(6000, 'ana', 'done');
    login(7000, 'ana', 'refused'); // a later failed attempt is not a sign-in
    login(7500, 'olga', 'refused');
    atMs = 8000;
    audit.record({ actor: 'erin', role: 'engineer', action: 'trip', target: 'pump-1', outcome: 'done' }); // not a login either
  } finally {
    db.close();
  }
}

const usersTable = (db: Database.Database) =>
  db.prepare('SELECT user_name, role, disabled, created_ms, remote_max_role, last_sign_in_ms FROM users ORDER BY user_name').all();

describe('schema v8 (remote_grants)', () => {
  it('upgrades a v7 file keeping every account and audit row: nobody is granted anything, last sign-in comes from the trail', () => {
    const path = tmp.path();
    writeV7File(path);
    const { db, migration } = openDatabase(path, { nowMs: () => 9 });
    try {
      expect(migration).toEqual({ fromVersion: 7, toVersion: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.filter((m) => m.version > 7).map(({ version, name }) => ({ version, name })) });
      expect(migration.applied[0]).toEqual({ version: 8, name: 'remote_grants' });
      expect(usersTable(db)).toEqual([
        { user_name: 'ana', role: 'admin', disabled: 0, created_ms: 100, remote_max_role: 'viewer', last_sign_in_ms: 6000 },
        { user_name: 'erin', role: 'engineer', disabled: 0, created_ms: 200, remote_max_role: 'viewer', last_sign_in_ms: 5000 },
        { user_name: 'olga', role: 'operator', disabled: 1, created_ms: 300, remote_max_role: 'viewer', last_sign_in_ms: null },
      ]);
      expect(new AuditTrail(db).list({ limit: 100 }).map((r) => [r.atMs, r.actor, r.action, r.outcome])).toEqual([
        [8000, 'erin', 'trip', 'done'],
        [7500, 'olga', 'login', 'refused'],
        [7000, 'ana', 'login', 'refused'],
        [6000, 'ana', 'login', 'done'],
        [5000, 'erin', 'login', 'done'],
        [4000, 'ana', 'login', 'done'],
      ]);
      // The store reads and writes the new columns on the upgraded file.
      const users = new UserStore(db);
      expect(users.get('erin')).toMatchObject({ userName: 'erin', role: 'engineer', remoteMaxRole: 'viewer', lastSignInMs: 5000 });
      users.setRemoteMaxRole('erin', 'operator');
      users.recordSignIn('olga', 9500);
      expect(users.list().map((u) => [u.userName, u.remoteMaxRole, u.lastSignInMs])).toEqual([
        ['ana', 'viewer', 6000],
        ['erin', 'operator', 5000],
        ['olga', 'viewer', 9500],
      ]);
    } finally {
      db.close();
    }
    const again = openDatabase(path, { nowMs: () => 10 });
    again.db.close();
    expect(again.migration).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });
  });

  it('cannot hold a remote admin grant, or anything that is not a role, whatever writes it', () => {
    const { db } = openDatabase(':memory:', { nowMs: () => 0 });
    try {
      insertUser(db, 'ana', 'admin', 1);
      const grant = (value: unknown) => () => db.prepare("UPDATE users SET remote_max_role = ? WHERE user_name = 'ana'").run(value);
      expect(grant('admin')).toThrow(/CHECK constraint failed/);
      expect(grant('root')).toThrow(/CHECK constraint failed/);
      expect(grant(null)).toThrow(/NOT NULL constraint failed/);
      expect(grant('engineer')).not.toThrow();
      expect(() => new UserStore(db).setRemoteMaxRole('nobody', 'operator')).toThrow(/no user named nobody/);
      expect(usersTable(db)).toEqual([{ user_name: 'ana', role: 'admin', disabled: 0, created_ms: 1, remote_max_role: 'engineer', last_sign_in_ms: null }]);
    } finally {
      db.close();
    }
  });
});
