/**
 * Rules for account names and account changes, kept apart from `Accounts` so the UI can check a
 * form before sending it and the store class stays about storage and auditing.
 */

/** Which account rule a request broke; the UI maps it to a field, tests to an expectation. */
export type AccountRule =
  | 'user_name'
  | 'display_name'
  | 'role'
  | 'user_exists'
  | 'no_such_user'
  | 'no_change'
  | 'last_admin'
  | 'admin_needs_password'
  | 'remote_ceiling'
  | 'remote_above_role';

/** A well-formed request that the account rules refuse. The refusal is already in the audit trail. */
export class AccountRuleError extends Error {
  readonly code = 'VIGIL_ACCOUNT_RULE';
  constructor(
    readonly rule: AccountRule,
    message: string,
  ) {
    super(message);
    this.name = 'AccountRuleError';
  }
}

/**
 * User names: a lower-case letter, then 1–31 of a–z, 0–9, `.`, `_`, `-`. Lower case only, so
 * `Ana` and `ana` can never be two people in the audit trail.
 */
export const USER_NAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;

/**
 * Names the engine itself writes as `by` in the model registry and elsewhere; a person called
 * `learner` would make automatic promotions look like theirs.
 */
export const RESERVED_USER_NAMES: readonly string[] = ['auto', 'learner', 'commissioning', 'system', 'engine', 'vigil'];

/** Longest display name; it is shown in narrow columns of the incident and audit pages. */
export const DISPLAY_NAME_MAX_CHARS = 80;

/** What a typed name means: surrounding spaces dropped, lower-cased (login is case-insensitive). */
export function normaliseUserName(input: string): string {
  return input.trim().toLowerCase();
}

/** Throws `AccountRuleError('user_name')` unless `userName` (already normalised) may name an account. */
export function checkUserName(userName: string): void {
  if (!USER_NAME_PATTERN.test(userName)) {
    throw new AccountRuleError(
      'user_name',
      'a user name is 2 to 32 characters: a lower-case letter, then letters, digits, ".", "_" or "-"',
    );
  }
  if (RESERVED_USER_NAMES.includes(userName)) {
    throw new AccountRuleError('user_name', `"${userName}" is reserved for the engine's own records`);
  }
}

/** Trims and checks a display name; returns the trimmed name or throws `AccountRuleError('display_name')`. */
export function checkDisplayName(displayName: string): string {
  const trimmed = displayName.trim();
  if (trimmed.length === 0 || [...trimmed].length > DISPLAY_NAME_MAX_CHARS) {
    throw new AccountRuleError('display_name', `a display name has 1 to ${DISPLAY_NAME_MAX_CHARS} characters`);
  }
  return trimmed;
}
