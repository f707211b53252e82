/**
 * Schema version 5: stored versions of each asset's protection configuration, the journal of the
 * managed changes that made them (ISA-18.2 management of change), and the version on incidents.
 *
 * `config_versions` holds every protection configuration that was put in force, one row per
 * version, numbered 1, 2, 3 … per asset (`seq`) under the id `cfg-<assetId>-<seq>`. The row is the
 * configuration's record: the engine tags alarms, trips and incidents with the id, so a version
 * must never change once written. It is append-only in SQL exactly like v3's `audit_trail`
 * (UPDATE, DELETE and id-reusing INSERTs abort). `config_json` is the canonical JSON (keys sorted)
 * and `config_hash` its SHA-256 in hex: the triggers stop edits through SQL, the hash lets a reader
 * notice an edit made around them (a dropped trigger, a hand-edited file) and refuse the row
 * instead of putting it in force. Neither stops someone who rewrites both columns; that needs a
 * hash chain or off-box copies. `parent_id` is the version that was in force when this one was
 * made (NULL for the first); `change_id` the managed change that made it (NULL for the initial
 * configuration). A CHECK ties `id` to `asset_id` and `seq`, so a row cannot claim another
 * version's name.
 *
 * `config_change_events` is the stream of the managed-change decider's events
 * (engine/config/managedChange.ts): proposals, backtests, approvals, rejections, applications,
 * reverts and refusals, plus the service's own `ChangeApplyFailed`. Append-only like the alarm
 * journal, with the whole event as JSON and a CHECK that the copied columns agree with it.
 *
 * `incidents.config_version` is the configuration version in force when the incident opened;
 * NULL for incidents recorded before this version.
 *
 * Both new tables reference `assets` (v1's rule: no rows about unknown machines).
 */
export const SCHEMA_V5 = `
CREATE TABLE config_versions (
  id          TEXT PRIMARY KEY NOT NULL,
  asset_id    TEXT NOT NULL REFERENCES assets(asset_id),
  seq         INTEGER NOT NULL CHECK (seq >= 1),
  config_json TEXT NOT NULL CHECK (json_valid(config_json)),
  config_hash TEXT NOT NULL CHECK (length(config_hash) = 64),
  created_ms  REAL NOT NULL,
  created_by  TEXT NOT NULL CHECK (length(created_by) > 0),
  reason      TEXT NOT NULL CHECK (length(reason) > 0),
  change_id   TEXT,
  parent_id   TEXT REFERENCES config_versions(id),
  UNIQUE (asset_id, seq),
  CHECK (id = 'cfg-' || asset_id || '-' || seq)
) STRICT;

CREATE TRIGGER config_versions_no_update BEFORE UPDATE ON config_versions
BEGIN
  SELECT RAISE(ABORT, 'config_versions is append-only: a stored configuration version cannot be updated');
END;

CREATE TRIGGER config_versions_no_delete BEFORE DELETE ON config_versions
BEGIN
  SELECT RAISE(ABORT, 'config_versions is append-only: a stored configuration version cannot be deleted');
END;

CREATE TRIGGER config_versions_no_overwrite BEFORE INSERT ON config_versions
WHEN EXISTS (SELECT 1 FROM config_versions WHERE id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'config_versions is append-only: an existing version id cannot be written again');
END;

CREATE TABLE config_change_events (
  id         INTEGER PRIMARY KEY CHECK (id > 0),
  change_id  TEXT,
  asset_id   TEXT NOT NULL REFERENCES assets(asset_id),
  at_ms      REAL NOT NULL,
  type       TEXT NOT NULL CHECK (length(type) > 0),
  event_json TEXT NOT NULL CHECK (json_valid(event_json)),
  CHECK (json_extract(event_json, '$.type') IS type AND json_extract(event_json, '$.atMs') = at_ms)
) STRICT;
CREATE INDEX config_change_events_asset ON config_change_events(asset_id, id);
CREATE INDEX config_change_events_change ON config_change_events(change_id, id);

CREATE TRIGGER config_change_events_no_update BEFORE UPDATE ON config_change_events
BEGIN
  SELECT RAISE(ABORT, 'config_change_events is append-only: rows cannot be updated');
END;

CREATE TRIGGER config_change_events_no_delete BEFORE DELETE ON config_change_events
BEGIN
  SELECT RAISE(ABORT, 'config_change_events is append-only: rows cannot be deleted');
END;

CREATE TRIGGER config_change_events_no_overwrite BEFORE INSERT ON config_change_events
WHEN EXISTS (SELECT 1 FROM config_change_events WHERE id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'config_change_events is append-only: an existing id cannot be written again');
END;

ALTER TABLE incidents ADD COLUMN config_version TEXT;
`;
