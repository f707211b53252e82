/**
 * Schema version 8: per-account remote grants, and each account's last sign-in.
 *
 * `users.remote_max_role` is the highest role a session of the account may act with when it was
 * signed in from another machine (`vigil serve` on a non-loopback address). The default 'viewer'
 * keeps what every account could do before this step, so an upgraded database grants nobody more.
 * The CHECK lists viewer, operator and engineer only: admin cannot be granted remotely (see
 * `REMOTE_GRANT_CEILING` in engine/auth/remoteGrant.ts for why), and the database itself cannot
 * hold such a grant, whatever code or hand edit tries to write one. Relaxing that would take a
 * table rebuild in a later step, which is the point: it should be a deliberate decision.
 * Grants are changed by `Accounts.grantRemote`, which writes the audit row (before, after, reason)
 * in the same transaction.
 *
 * `users.last_sign_in_ms` is when the account last signed in successfully (NULL: never), written
 * with the login's audit row. It is backfilled from the audit trail, which has recorded every
 * login since v3, so an admin reviewing stale accounts sees the truth from the first day.
 */
export const SCHEMA_V8 = `
ALTER TABLE users ADD COLUMN remote_max_role TEXT NOT NULL DEFAULT 'viewer'
  CHECK (remote_max_role IN ('viewer', 'operator', 'engineer'));
ALTER TABLE users ADD COLUMN last_sign_in_ms REAL;

UPDATE users SET last_sign_in_ms = (
  SELECT max(a.at_ms) FROM audit_trail a WHERE a.actor = users.user_name AND a.action = 'login' AND a.outcome = 'done'
);
`;
