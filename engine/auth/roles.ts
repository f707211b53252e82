import type { UserRole } from '../store/UserStore';

/** A console role; re-exported from the store, whose schema CHECKs the same four names. */
export type Role = UserRole;

/** Every role, least privileged first: each role may do everything the one before it may. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'engineer', 'admin'];

/**
 * Everything a person can ask of the console that the permission table decides. The strings are
 * also the `action` column of the audit trail (which adds `login`).
 */
export const ACTIONS = [
  'read',
  'alarm.acknowledge',
  'alarm.shelve',
  'alarm.feedback',
  'trip',
  'reset',
  'setpoint.change',
  'bypass',
  'model.promote',
  'model.rollback',
  'user.create',
  'user.role.change',
  'user.disable',
  'user.enable',
  'user.remote.grant',
] as const;

/** One of `ACTIONS`. */
export type Action = (typeof ACTIONS)[number];

/** Who may do an action, and whether they must say why. */
export interface Permission {
  /** The least role allowed; roles above it are allowed too. */
  minRole: Role;
  /**
   * Actions that weaken protection (bypass, setpoint changes, shelving, model swaps) need a reason
   * in the requester's words; the audit trail is only useful if it says why, not just who.
   */
  reasonRequired: boolean;
}

/**
 * The permission table. A `Record` over `Action`, so adding an action without deciding who may do
 * it fails to compile.
 * - viewer: read only.
 * - operator: acknowledge, shelve (time-bounded, see `MAX_SHELVE_MS`), trip (the console's
 *   emergency stop: stopping a machine must never need more than an operator), alarm feedback.
 * - engineer: also reset a trip latch, change setpoints, bypass a protection, promote or roll
 *   back models: things that can let a faulty machine run.
 * - admin: also manage users. A remote grant needs a reason: it widens who may act on the plant
 *   from outside the control room.
 */
export const PERMISSIONS: Readonly<Record<Action, Permission>> = {
  read: { minRole: 'viewer', reasonRequired: false },
  'alarm.acknowledge': { minRole: 'operator', reasonRequired: false },
  'alarm.shelve': { minRole: 'operator', reasonRequired: true },
  'alarm.feedback': { minRole: 'operator', reasonRequired: false },
  trip: { minRole: 'operator', reasonRequired: false },
  reset: { minRole: 'engineer', reasonRequired: false },
  'setpoint.change': { minRole: 'engineer', reasonRequired: true },
  bypass: { minRole: 'engineer', reasonRequired: true },
  'model.promote': { minRole: 'engineer', reasonRequired: true },
  'model.rollback': { minRole: 'engineer', reasonRequired: true },
  'user.create': { minRole: 'admin', reasonRequired: false },
  'user.role.change': { minRole: 'admin', reasonRequired: false },
  'user.disable': { minRole: 'admin', reasonRequired: false },
  'user.enable': { minRole: 'admin', reasonRequired: false },
  'user.remote.grant': { minRole: 'admin', reasonRequired: true },
};

/**
 * The longest shelve each role may set. ISA-18.2 requires shelving to be time-limited so a
 * suppressed alarm cannot be forgotten: an operator may shelve for one shift (8 h), an engineer
 * over a weekend (72 h). A viewer cannot shelve at all.
 */
export const MAX_SHELVE_MS: Readonly<Record<Role, number>> = {
  viewer: 0,
  operator: 8 * 3_600_000,
  engineer: 72 * 3_600_000,
  admin: 72 * 3_600_000,
};

/** Who is asking: the parts of an account the permission check needs. */
export interface Subject {
  userName: string;
  role: Role;
  disabled?: boolean;
  /** The account's remote grant (see `remoteRole`); absent counts as viewer. */
  remoteMaxRole?: Role;
}

/** What accompanies a request; some actions are decided on it (shelve duration, reason). */
export interface RequestContext {
  /** For `alarm.shelve`: how long, in ms. Required; an unbounded shelve is refused. */
  shelveDurationMs?: number;
  /** The requester's reason; required for actions whose `reasonRequired` is true. */
  reason?: string | null;
}

/** The permission check's answer; `reason` is shown to the user and written to the audit trail. */
export type Authorization = { ok: true } | { ok: false; reason: string };

/** Position of a role in `ROLES`, or -1 for something that is not a role (corrupt row, bad input). */
function rank(role: string): number {
  return ROLES.indexOf(role as Role);
}

/**
 * Whether `user` may perform `action`, and if not, why. Pure: the caller (usually
 * `authorizeAndAudit`) records the answer. A missing user, a disabled account and an unknown
 * role are refused like an insufficient one.
 */
export function authorize(user: Subject | null | undefined, action: Action, context: RequestContext = {}): Authorization {
  if (!user) return { ok: false, reason: 'not logged in' };
  if (user.disabled) return { ok: false, reason: `account ${user.userName} is disabled` };
  const permission = (PERMISSIONS as Partial<Record<string, Permission>>)[action];
  if (!permission) return { ok: false, reason: `unknown action ${String(action)}` };
  const have = rank(user.role);
  if (have < 0) return { ok: false, reason: `${user.userName} has no valid role (${String(user.role)})` };
  if (have < rank(permission.minRole)) {
    return { ok: false, reason: `role ${user.role} may not ${action}; it needs ${permission.minRole} or above` };
  }
  if (permission.reasonRequired && !context.reason?.trim()) return { ok: false, reason: `${action} needs a reason` };
  if (action === 'alarm.shelve') {
    const durationMs = context.shelveDurationMs;
    const maxMs = MAX_SHELVE_MS[user.role];
    if (durationMs === undefined || !Number.isFinite(durationMs) || durationMs <= 0) {
      return { ok: false, reason: 'a shelve needs a positive, finite duration' };
    }
    if (durationMs > maxMs) {
      return { ok: false, reason: `role ${user.role} may shelve for at most ${maxMs / 3_600_000} h (asked ${durationMs / 3_600_000} h)` };
    }
  }
  return { ok: true };
}
