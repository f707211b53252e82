import { afterEach, describe, expect, it } from 'vitest';
import { AuditWriteError, authorizeAndAudit, UnauthorisedError, type AuditedRequest } from '../../../engine/auth/authorizeAndAudit';
import { ROLES, type Role } from '../../../engine/auth/roles';
import { tempDirs } from '../store/fixtures';
import { allRows, brief, openAccounts, seedUsers } from './fixtures';

const tmp = tempDirs();
const open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  tmp.cleanup();
});

async function seeded() {
  const opened = openAccounts(tmp.path());
  open.push(opened);
  const names = await seedUsers(opened.accounts);
  return { ...opened, names };
}

const HOUR_MS = 3_600_000;
/** One representative request per tier of the permission table. */
const REQUESTS: AuditedRequest[] = [
  { action: 'read', target: 'pump-1' },
  { action: 'alarm.acknowledge', target: 'alarm-17' },
  { action: 'alarm.shelve', target: 'alarm-17', shelveDurationMs: 2 * HOUR_MS, reason: 'sensor cable being replaced' },
  { action: 'trip', target: 'pump-1' },
  { action: 'reset', target: 'pump-1', before: { latched: true }, after: { latched: false } },
  { action: 'setpoint.change', target: 'pump-1', before: { dangerMmS: 7.1 }, after: { dangerMmS: 8 }, reason: 'ISO 10816 class III' },
  { action: 'model.promote', target: 'm-2', reason: 'validated on a week of data' },
  { action: 'user.role.change', target: 'vic', reason: 'promotion' },
];

describe('authorizeAndAudit', () => {
  it('performs and records what each role may do, refuses and records the rest, with the reason', async () => {
    const { accounts, names } = await seeded();
    const before = allRows(accounts).length;
    const performed: string[] = [];
    const outcome: Record<string, Record<string, string>> = {};
    for (const role of ROLES) {
      outcome[role] = {};
      for (const request of REQUESTS) {
        const result = await authorizeAndAudit(accounts, { userName: names[role] }, request, (subject) => {
          performed.push(`${subject.userName}:${request.action}`);
          return 'done';
        }).catch((err: unknown) => (err instanceof UnauthorisedError ? 'refused' : Promise.reject(err)));
        outcome[role][request.action] = result;
      }
    }
    const tiers: Record<Role, number> = { viewer: 1, operator: 4, engineer: 7, admin: 8 };
    expect(outcome).toEqual(
      Object.fromEntries(ROLES.map((r) => [r, Object.fromEntries(REQUESTS.map((q, i) => [q.action, i < tiers[r] ? 'done' : 'refused']))])),
    );
    expect(performed).toHaveLength(1 + 4 + 7 + 8);

    const rows = allRows(accounts).slice(before);
    expect(rows).toHaveLength(ROLES.length * REQUESTS.length); // one row per request, done or refused
    const refusedTrip = rows.find((r) => r.actor === 'vic' && r.action === 'trip');
    expect(refusedTrip && brief(refusedTrip)).toEqual(['vic', 'viewer', 'trip', 'pump-1', 'refused', 'role viewer may not trip; it needs operator or above']);
    const refusedReset = rows.find((r) => r.actor === 'olga' && r.action === 'reset');
    expect(refusedReset).toMatchObject({
      role: 'operator',
      outcome: 'refused',
      refusal: 'role operator may not reset; it needs engineer or above',
      before: { latched: true },
      after: { latched: false },
    });
    const setpoint = rows.find((r) => r.actor === 'erin' && r.action === 'setpoint.change');
    expect(setpoint).toMatchObject({
      role: 'engineer',
      target: 'pump-1',
      before: { dangerMmS: 7.1 },
      after: { dangerMmS: 8 },
      reason: 'ISO 10816 class III',
      outcome: 'done',
      refusal: null,
    });
  });

  it('throws a typed UnauthorisedError pointing at its audit row, without calling perform', async () => {
    const { accounts } = await seeded();
    let called = false;
    const request: AuditedRequest = { action: 'alarm.shelve', target: 'alarm-3', shelveDurationMs: 12 * HOUR_MS, reason: 'nuisance' };
    const err = await authorizeAndAudit(accounts, { userName: 'olga' }, request, () => {
      called = true;
    }).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(UnauthorisedError);
    const e = err as UnauthorisedError;
    expect([e.code, e.userName, e.action, e.target, e.reason]).toEqual([
      'VIGIL_UNAUTHORISED',
      'olga',
      'alarm.shelve',
      'alarm-3',
      'role operator may shelve for at most 8 h (asked 12 h)',
    ]);
    const row = accounts.audit.list({ limit: 1 })[0];
    expect(row && { id: row.id, outcome: row.outcome, refusal: row.refusal, reason: row.reason }).toEqual({
      id: e.auditId,
      outcome: 'refused',
      refusal: e.reason,
      reason: 'nuisance',
    });
  });

  it('refuses a held session at once when the account is disabled or demoted', async () => {
    const { accounts } = await seeded();
    const olga = { userName: 'olga', role: 'operator' as const }; // what a UI session would keep
    expect(await authorizeAndAudit(accounts, olga, { action: 'trip', target: 'pump-1' }, () => 'tripped')).toBe('tripped');
    accounts.disableUser({ userName: 'ana' }, 'olga', 'left');
    const err = await authorizeAndAudit(accounts, olga, { action: 'trip', target: 'pump-1' }, () => 'tripped').catch((e: unknown) => e);
    expect((err as UnauthorisedError).reason).toBe('account olga is disabled');

    accounts.changeRole({ userName: 'ana' }, 'erin', 'viewer', 'audit finding');
    const demoted = await authorizeAndAudit(accounts, { userName: 'erin' }, { action: 'reset', target: 'pump-1' }, () => 0).catch((e: unknown) => e);
    expect((demoted as UnauthorisedError).reason).toBe('role viewer may not reset; it needs engineer or above');
  });

  it("awaits async actions, and records a failed action as 'failed' with the error before rethrowing it", async () => {
    const { accounts } = await seeded();
    const erin = { userName: 'erin' };
    const value = await authorizeAndAudit(accounts, erin, { action: 'model.rollback', target: 'm-1', reason: 'drift' }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return 'm-1';
    });
    expect(value).toBe('m-1');
    const failure = new Error('actuator did not confirm within 50 ms');
    await expect(
      authorizeAndAudit(accounts, { userName: 'olga' }, { action: 'trip', target: 'pump-1' }, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(allRows(accounts).slice(-2).map(brief)).toEqual([
      ['erin', 'engineer', 'model.rollback', 'm-1', 'done', null],
      ['olga', 'operator', 'trip', 'pump-1', 'failed', 'actuator did not confirm within 50 ms'],
    ]);
  });

  it('says the action was done when its audit row cannot be written afterwards', async () => {
    const { accounts, db } = await seeded();
    // The action leaves a transaction open on the shared connection; the audit write must refuse to join it.
    const err = await authorizeAndAudit(accounts, { userName: 'olga' }, { action: 'trip', target: 'pump-1' }, () => {
      db.exec('BEGIN');
      return 'tripped';
    }).catch((e: unknown) => e);
    db.exec('ROLLBACK');
    expect(err).toBeInstanceOf(AuditWriteError);
    expect({ performed: (err as AuditWriteError).performed, result: (err as AuditWriteError).result }).toEqual({ performed: true, result: 'tripped' });
    expect((err as Error).message).toMatch(/the action was done but its audit row could not be written/);
  });
});
