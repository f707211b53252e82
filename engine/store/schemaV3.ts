/**
 * Schema version 3: user accounts and the audit trail.
 *
 * `users` holds who may use the console and in which role. A secret is never stored, only its
 * scrypt hash with the salt and the cost parameters it was made with, so the cost can be raised
 * later without invalidating existing accounts (each row verifies with its own parameters).
 * Accounts are never deleted or renamed (triggers refuse both): the audit trail names actors by
 * `user_name`, and a name that disappeared, or came back as someone else, would make the history
 * ambiguous. An account that must stop working is disabled instead.
 *
 * `audit_trail` is what people did and what they were refused: trips, resets, setpoint changes,
 * shelving, model promotions, user management and logins. It is append-only, enforced in SQL so
 * that no code path (a bug, an admin's sqlite3 shell through this schema) can edit history:
 * - UPDATE and DELETE raise ABORT;
 * - an INSERT that reuses an existing id raises ABORT too, because `INSERT OR REPLACE` deletes the
 *   old row without firing delete triggers (unless recursive_triggers is on), which would
 *   otherwise be a silent overwrite;
 * - ids are positive, so the guard above cannot be jammed by a row with id -1 (the value SQLite
 *   gives NEW.id in a BEFORE INSERT trigger when the id is auto-assigned).
 * The triggers stop mistakes and casual edits, not someone who can write the file (they can drop
 * the triggers); tamper evidence against that needs a hash chain or off-box copies.
 *
 * Like v2's closed sets, roles, secret kinds and outcomes are CHECKed in SQL: an unknown role would
 * make the permission table meaningless. `outcome` is 'done', 'refused' (not permitted, or the
 * request broke a rule) or 'failed' (permitted, attempted, and it did not take effect: the reader
 * of an audit trail must not mistake a trip that failed to actuate for one nobody was allowed to
 * give). `refusal` says why, and is present exactly when the outcome is not 'done'.
 */
export const SCHEMA_V3 = `
CREATE TABLE users (
  user_name           TEXT PRIMARY KEY NOT NULL CHECK (length(user_name) > 0),
  display_name        TEXT NOT NULL CHECK (length(display_name) > 0),
  role                TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'engineer', 'admin')),
  secret_kind         TEXT NOT NULL CHECK (secret_kind IN ('password', 'pin')),
  secret_hash         BLOB NOT NULL,
  secret_salt         BLOB NOT NULL CHECK (length(secret_salt) >= 16),
  scrypt_n            INTEGER NOT NULL CHECK (scrypt_n >= 2 AND (scrypt_n & (scrypt_n - 1)) = 0),
  scrypt_r            INTEGER NOT NULL CHECK (scrypt_r >= 1),
  scrypt_p            INTEGER NOT NULL CHECK (scrypt_p >= 1),
  scrypt_keylen_bytes INTEGER NOT NULL CHECK (scrypt_keylen_bytes >= 16),
  created_ms          REAL NOT NULL,
  created_by          TEXT NOT NULL CHECK (length(created_by) > 0),
  disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  CHECK (length(secret_hash) = scrypt_keylen_bytes)
) STRICT;

CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN
  SELECT RAISE(ABORT, 'users are never deleted (the audit trail names them); disable the account instead');
END;

CREATE TRIGGER users_no_rename BEFORE UPDATE OF user_name ON users WHEN NEW.user_name IS NOT OLD.user_name
BEGIN
  SELECT RAISE(ABORT, 'users are never renamed (the audit trail names them)');
END;

CREATE TABLE audit_trail (
  id          INTEGER PRIMARY KEY CHECK (id > 0),
  at_ms       REAL NOT NULL,
  actor       TEXT NOT NULL,
  role        TEXT CHECK (role IS NULL OR role IN ('viewer', 'operator', 'engineer', 'admin')),
  action      TEXT NOT NULL CHECK (length(action) > 0),
  target      TEXT,
  before_json TEXT CHECK (before_json IS NULL OR json_valid(before_json)),
  after_json  TEXT CHECK (after_json IS NULL OR json_valid(after_json)),
  reason      TEXT,
  outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
  refusal     TEXT,
  CHECK ((outcome = 'done') = (refusal IS NULL))
) STRICT;
CREATE INDEX audit_trail_at ON audit_trail(at_ms);
CREATE INDEX audit_trail_actor_at ON audit_trail(actor, at_ms);
CREATE INDEX audit_trail_target_at ON audit_trail(target, at_ms);

CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
BEGIN
  SELECT RAISE(ABORT, 'audit_trail is append-only: rows cannot be updated');
END;

CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
BEGIN
  SELECT RAISE(ABORT, 'audit_trail is append-only: rows cannot be deleted');
END;

CREATE TRIGGER audit_trail_no_overwrite BEFORE INSERT ON audit_trail
WHEN EXISTS (SELECT 1 FROM audit_trail WHERE id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'audit_trail is append-only: an existing id cannot be written again');
END;
`;
