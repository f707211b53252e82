/**
 * Schema version 4: the ISA-18.2 alarm journal and the 1-second feature history.
 *
 * `alarm_journal` is the stream of the alarm decider's events (engine/alarm/alarmTypes.ts
 * `AlarmEvent`): activations, clears, acknowledgements, shelves, suppressions, refusals. It is the
 * alarm history ISA-18.2 asks a site to keep, so it is append-only in SQL exactly like v3's
 * `audit_trail` (UPDATE, DELETE and id-reusing INSERTs abort; ids are positive). The whole event
 * is kept as JSON (`event_json`), because event types grow fields and the journal must show what
 * the decider said, not what today's columns can hold. The columns beside it are copies of the
 * fields the journal page filters on (asset, time, alarm, priority, type, state, actor), and a
 * CHECK ties the copies to the JSON so that a filter can never disagree with the record it finds.
 * `actor` is the event's `by` (an operator, or the design logic that suppressed); NULL for
 * process events (activated, cleared, shelve expired).
 * `priority` is CHECKed (ISA-18.2's closed set of four); `type` and `state_after` are not, because
 * the decider will gain events and states (latching) and an old CHECK would then refuse a record.
 *
 * `feature_history` is one row per asset, channel and second: the maximum anomaly score and
 * velocity seen in that second (see `FeatureDownsampler`), which is what the threshold backtest
 * replays. WITHOUT ROWID clusters the rows by (asset, channel, second), so loading a month of one
 * channel is one contiguous range scan and the table carries no second index. Seconds are INTEGER
 * epoch seconds (`t_s`), not REAL milliseconds like other tables: the key must be exact, and
 * 2.6 M rows per channel-month make the 8-byte key matter. NULL score or velocity means "not
 * measured" (commissioning, no velocity channel); NaN is stored as NULL, which is what SQLite does
 * with it anyway. A second written again replaces the earlier row (retention deletes old rows, so
 * this table is deliberately not append-only).
 *
 * Both tables reference `assets`, following v1's rule that rows about unknown machines are refused.
 */
export const SCHEMA_V4 = `
CREATE TABLE alarm_journal (
  id          INTEGER PRIMARY KEY CHECK (id > 0),
  at_ms       REAL NOT NULL,
  asset_id    TEXT NOT NULL REFERENCES assets(asset_id),
  alarm_key   TEXT NOT NULL CHECK (length(alarm_key) > 0),
  priority    TEXT NOT NULL CHECK (priority IN ('critical', 'high', 'medium', 'low')),
  type        TEXT NOT NULL CHECK (length(type) > 0),
  state_after TEXT NOT NULL CHECK (length(state_after) > 0),
  actor       TEXT,
  event_json  TEXT NOT NULL CHECK (json_valid(event_json)),
  CHECK (json_extract(event_json, '$.type') IS type
     AND json_extract(event_json, '$.assetId') IS asset_id
     AND json_extract(event_json, '$.alarmKey') IS alarm_key
     AND json_extract(event_json, '$.priority') IS priority
     AND json_extract(event_json, '$.stateAfter') IS state_after
     AND json_extract(event_json, '$.atMs') = at_ms)
) STRICT;
CREATE INDEX alarm_journal_asset_at ON alarm_journal(asset_id, at_ms);
CREATE INDEX alarm_journal_at ON alarm_journal(at_ms);

CREATE TRIGGER alarm_journal_no_update BEFORE UPDATE ON alarm_journal
BEGIN
  SELECT RAISE(ABORT, 'alarm_journal is append-only: rows cannot be updated');
END;

CREATE TRIGGER alarm_journal_no_delete BEFORE DELETE ON alarm_journal
BEGIN
  SELECT RAISE(ABORT, 'alarm_journal is append-only: rows cannot be deleted');
END;

CREATE TRIGGER alarm_journal_no_overwrite BEFORE INSERT ON alarm_journal
WHEN EXISTS (SELECT 1 FROM alarm_journal WHERE id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'alarm_journal is append-only: an existing id cannot be written again');
END;

CREATE TABLE feature_history (
  asset_id      TEXT NOT NULL REFERENCES assets(asset_id),
  channel_id    TEXT NOT NULL,
  t_s           INTEGER NOT NULL,
  score         REAL,
  velocity_mm_s REAL,
  PRIMARY KEY (asset_id, channel_id, t_s)
) STRICT, WITHOUT ROWID;
`;
