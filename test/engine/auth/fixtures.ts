import type Database from 'better-sqlite3';
import { Accounts } from '../../../engine/auth/Accounts';
import type { Role } from '../../../engine/auth/roles';
import type { AuditRecord } from '../../../engine/store/AuditTrail';
import { openDatabase } from '../../../engine/store/openDatabase';

/** Secrets used across the auth tests, so a test can assert none of them reached the audit trail. */
export const SECRETS = {
  admin: 'correct horse battery staple',
  engineer: 'vibration-engineer-2024',
  operator: '482915',
  viewer: '730264',
} as const;

/** A real SQLite file with migrations applied, an Accounts on it, and a clock that advances 1 ms per read. */
export function openAccounts(path: string): { db: Database.Database; accounts: Accounts; close(): void } {
  const { db } = openDatabase(path, { nowMs: () => 0 });
  let clockMs = 1_700_000_000_000;
  const accounts = new Accounts(db, { nowMs: () => clockMs++ });
  return { db, accounts, close: () => db.close() };
}

/**
 * First-run setup plus one user per role: `ana` (admin), `erin` (engineer, password), `olga`
 * (operator, PIN), `vic` (viewer, PIN). Returns the user name for each role.
 */
export async function seedUsers(accounts: Accounts): Promise<Record<Role, string>> {
  await accounts.createFirstAdmin('ana', SECRETS.admin, 'Ana Admin');
  const ana = { userName: 'ana' };
  await Promise.all([
    accounts.createUser(ana, { userName: 'erin', displayName: 'Erin Engineer', role: 'engineer', secretKind: 'password', secret: SECRETS.engineer }),
    accounts.createUser(ana, { userName: 'olga', displayName: 'Olga Operator', role: 'operator', secretKind: 'pin', secret: SECRETS.operator }),
    accounts.createUser(ana, { userName: 'vic', displayName: 'Vic Viewer', role: 'viewer', secretKind: 'pin', secret: SECRETS.viewer }),
  ]);
  return { admin: 'ana', engineer: 'erin', operator: 'olga', viewer: 'vic' };
}

/** An audit row reduced to who, what, on what, how it ended and why: what most assertions compare. */
export function brief(r: AuditRecord): [string, string | null, string, string | null, string, string | null] {
  return [r.actor, r.role, r.action, r.target, r.outcome, r.refusal];
}

/** Every audit row, oldest first. */
export function allRows(accounts: Accounts): AuditRecord[] {
  return accounts.audit.list({ limit: 10_000 }).reverse();
}
