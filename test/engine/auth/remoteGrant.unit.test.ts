import { describe, expect, it } from 'vitest';
import { actingSubject, isRemoteGrant, REMOTE_GRANT_CEILING, REMOTE_GRANTS, remoteCapNote, remoteRole } from '../../../engine/auth/remoteGrant';
import { ROLES, type Role } from '../../../engine/auth/roles';

describe('remoteRole', () => {
  it('is the lower of the account role and its grant, for every pair', () => {
    const table = Object.fromEntries(ROLES.map((role) => [role, REMOTE_GRANTS.map((grant) => remoteRole({ role, remoteMaxRole: grant }))]));
    // Columns: grant viewer, operator, engineer.
    expect(table).toEqual({
      viewer: ['viewer', 'viewer', 'viewer'],
      operator: ['viewer', 'operator', 'operator'],
      engineer: ['viewer', 'operator', 'engineer'],
      admin: ['viewer', 'operator', 'engineer'],
    });
  });

  it('fails closed: a grant above the ceiling, a missing one or an unknown one counts as viewer', () => {
    expect(REMOTE_GRANT_CEILING).toBe('engineer');
    expect(remoteRole({ role: 'admin', remoteMaxRole: 'admin' })).toBe('viewer'); // a hand-edited row
    expect(remoteRole({ role: 'admin' })).toBe('viewer');
    expect(remoteRole({ role: 'engineer', remoteMaxRole: 'root' as Role })).toBe('viewer');
    expect(ROLES.filter(isRemoteGrant)).toEqual(['viewer', 'operator', 'engineer']);
  });
});

describe('actingSubject', () => {
  it('keeps the account on this machine and caps it from another, without changing the account', () => {
    const erin = { userName: 'erin', role: 'engineer' as const, remoteMaxRole: 'operator' as const, disabled: false };
    expect(actingSubject(erin, false)).toBe(erin);
    expect(actingSubject(erin, true)).toEqual({ ...erin, role: 'operator' });
    expect(erin.role).toBe('engineer');
    const olga = { userName: 'olga', role: 'operator' as const, remoteMaxRole: 'operator' as const };
    expect(actingSubject(olga, true)).toBe(olga);
  });
});

describe('remoteCapNote', () => {
  it('names the cap and who can raise it; at the ceiling it says that is the most', () => {
    expect(remoteCapNote('olga', 'viewer')).toBe('sessions of olga from another machine are capped at viewer; an admin can grant more (up to engineer), or sign in at the console workstation');
    expect(remoteCapNote('ana', 'engineer')).toBe('sessions of ana from another machine are capped at engineer, the most a remote session can be granted; sign in at the console workstation');
  });
});
