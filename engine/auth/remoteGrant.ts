import type { RemoteGrant } from '../store/UserStore';
import { ROLES, type Role, type Subject } from './roles';

/**
 * The most an admin can grant a session signed in from another machine: engineer, never admin.
 *
 * Why not admin: an admin decides who may act on the plant, and that includes remote grants.
 * `vigil serve` speaks plain HTTP and WebSocket, so a bearer token crosses the plant network in
 * clear; an office PC is easier to compromise than the console workstation in the control room.
 * With admin available remotely, one stolen token or one infected PC could create accounts, grant
 * itself remote engineer, and cover the trail with a believable reason. Keeping user management
 * on the workstation puts a person in front of the machines for every change to who may act; the
 * cost (an admin walks to the console to onboard someone) is small and rare. Engineer is the
 * ceiling because remote reliability engineers have a real need (reset after a reviewed trip,
 * tune thresholds from the office) and everything an engineer does is authorised, reasoned and
 * audited like at the console; a plant that disagrees grants operator or nothing.
 * Schema v8 CHECKs the same three roles, so no row can hold a remote admin grant either.
 */
export const REMOTE_GRANT_CEILING: RemoteGrant = 'engineer';

const rank = (role: string): number => ROLES.indexOf(role as Role);

/** Every role that can be granted remotely, least privileged first, up to the ceiling (`viewer` means no grant). */
export const REMOTE_GRANTS: readonly RemoteGrant[] = ROLES.slice(0, rank(REMOTE_GRANT_CEILING) + 1) as RemoteGrant[];

/** True if `role` may be granted to sessions from another machine. */
export function isRemoteGrant(role: string): role is RemoteGrant {
  return (REMOTE_GRANTS as readonly string[]).includes(role);
}

/**
 * The role an account acts with from another machine: the lower of its own role and its remote
 * grant. Fails closed: a grant that is not one of `REMOTE_GRANTS` (admin in a hand-edited row, a
 * stand-in subject without one) counts as viewer, never as the ceiling.
 */
export function remoteRole(account: Pick<Subject, 'role' | 'remoteMaxRole'>): Role {
  const stored = account.remoteMaxRole ?? 'viewer';
  const grant: Role = isRemoteGrant(stored) ? stored : 'viewer';
  return rank(account.role) < rank(grant) ? account.role : grant;
}

/** The account as it acts from here: unchanged on this machine, capped by `remoteRole` from another. */
export function actingSubject(account: Subject, remote: boolean): Subject {
  if (!remote) return account;
  const role = remoteRole(account);
  return role === account.role ? account : { ...account, role };
}

/**
 * What a refusal says when the remote cap, not the account's role, is what stopped it: the cap in
 * force and who can raise it, so the person knows to ask an admin rather than retry.
 */
export function remoteCapNote(userName: string, cap: Role): string {
  const capped = `sessions of ${userName} from another machine are capped at ${cap}`;
  if (rank(cap) < rank(REMOTE_GRANT_CEILING)) return `${capped}; an admin can grant more (up to ${REMOTE_GRANT_CEILING}), or sign in at the console workstation`;
  return `${capped}, the most a remote session can be granted; sign in at the console workstation`;
}
