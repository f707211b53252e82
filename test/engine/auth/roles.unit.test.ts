import { describe, expect, it } from 'vitest';
import { ACTIONS, authorize, ROLES, type Action, type Role } from '../../../engine/auth/roles';

const user = (role: Role, disabled = false) => ({ userName: `u-${role}`, role, disabled });
/** A context that satisfies every reason and shelve requirement, so only the role decides. */
const FULL = { reason: 'planned work', shelveDurationMs: 3_600_000 };

describe('authorize', () => {
  it('follows the permission table for every role and action', () => {
    const allowed = Object.fromEntries(ROLES.map((r) => [r, ACTIONS.filter((a) => authorize(user(r), a, FULL).ok)]));
    const operator: Action[] = ['read', 'alarm.acknowledge', 'alarm.shelve', 'alarm.feedback', 'trip'];
    const engineer: Action[] = [...operator, 'reset', 'setpoint.change', 'bypass', 'model.promote', 'model.rollback'];
    expect(allowed).toEqual({
      viewer: ['read'],
      operator,
      engineer,
      admin: [...engineer, 'user.create', 'user.role.change', 'user.disable', 'user.enable', 'user.remote.grant'],
    });
  });

  it('says why a role is refused', () => {
    expect(authorize(user('viewer'), 'trip')).toEqual({ ok: false, reason: 'role viewer may not trip; it needs operator or above' });
    expect(authorize(user('operator'), 'reset')).toEqual({ ok: false, reason: 'role operator may not reset; it needs engineer or above' });
    expect(authorize(user('engineer'), 'user.create')).toEqual({ ok: false, reason: 'role engineer may not user.create; it needs admin or above' });
  });

  it('bounds shelving by role and refuses an unbounded shelve', () => {
    const shelve = (role: Role, shelveDurationMs?: number) => authorize(user(role), 'alarm.shelve', { reason: 'sensor swap', shelveDurationMs });
    const hourMs = 3_600_000;
    expect([8 * hourMs, 8 * hourMs + 1].map((d) => shelve('operator', d).ok)).toEqual([true, false]);
    expect(shelve('operator', 9 * hourMs)).toEqual({ ok: false, reason: 'role operator may shelve for at most 8 h (asked 9 h)' });
    expect([72 * hourMs, 72 * hourMs + 1].map((d) => shelve('engineer', d).ok)).toEqual([true, false]);
    for (const d of [undefined, 0, -1, Infinity, NaN]) {
      expect(shelve('admin', d)).toEqual({ ok: false, reason: 'a shelve needs a positive, finite duration' });
    }
  });

  it('needs a reason for actions that weaken protection', () => {
    expect(authorize(user('engineer'), 'bypass')).toEqual({ ok: false, reason: 'bypass needs a reason' });
    expect(authorize(user('engineer'), 'bypass', { reason: '   ' }).ok).toBe(false);
    expect(authorize(user('engineer'), 'bypass', { reason: 'vibration probe replaced' }).ok).toBe(true);
    expect(authorize(user('operator'), 'trip').ok).toBe(true); // stopping a machine never waits for a reason
  });

  it('refuses nobody, disabled accounts, unknown roles and unknown actions', () => {
    expect(authorize(null, 'read')).toEqual({ ok: false, reason: 'not logged in' });
    expect(authorize(user('admin', true), 'read')).toEqual({ ok: false, reason: 'account u-admin is disabled' });
    expect(authorize({ userName: 'x', role: 'root' as Role }, 'read')).toEqual({ ok: false, reason: 'x has no valid role (root)' });
    expect(authorize(user('admin'), 'format.disk' as Action)).toEqual({ ok: false, reason: 'unknown action format.disk' });
  });
});
