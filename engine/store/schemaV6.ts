/**
 * Schema version 6: raw waveform snapshots around incidents (`WaveformRecorder`): per channel, the
 * samples before and after the incident opened (`trigger = 'alert'`) and before and after the trip
 * command (`trigger = 'trip'`).
 *
 * One row per (incident, channel, trigger), the primary key: the recorder returns each snapshot
 * once, and writing the same key again (a complete snapshot after a partial one from a restart)
 * replaces the row — but never a complete row with a partial one (see `IncidentSnapshots.insert`).
 * The table is therefore not append-only, unlike the journals: it holds evidence, not a record of
 * decisions, and the decisions (alarms, trips) are journalled elsewhere.
 *
 * `samples` is little-endian float32 like the trip frame (engine/store/float32Blob.ts), so a
 * snapshot can be replayed or diffed bit for bit; `sample_count` is stored beside it and a CHECK
 * ties the BLOB's length to it, so a truncated BLOB is refused on write rather than found on read.
 * `pre_samples` is the index of the trigger sample (CHECKed to lie within the samples, or equal to
 * the count for a snapshot cut short before its trigger). `complete` is 0/1.
 *
 * The incident is referenced together with its asset (`(incident_id, asset_id)` against a new
 * unique index on `incidents(id, asset_id)`), so a snapshot cannot claim a machine its incident
 * is not about; the asset is thereby also one that `assets` holds (v1's rule).
 * `trigger` is not CHECKed, following v1's rule for enumerations: the kinds will grow (an operator-
 * requested or e-stop snapshot), and the store validates it in TypeScript.
 */
export const SCHEMA_V6 = `
CREATE UNIQUE INDEX incidents_id_asset ON incidents(id, asset_id);

CREATE TABLE incident_snapshots (
  incident_id    TEXT NOT NULL,
  channel_id     TEXT NOT NULL CHECK (length(channel_id) > 0),
  asset_id       TEXT NOT NULL,
  trigger        TEXT NOT NULL CHECK (length(trigger) > 0),
  trigger_ms     REAL NOT NULL,
  start_ms       REAL NOT NULL,
  sample_rate_hz REAL NOT NULL CHECK (sample_rate_hz > 0),
  shaft_hz       REAL,
  pre_samples    INTEGER NOT NULL CHECK (pre_samples >= 0 AND pre_samples <= sample_count),
  sample_count   INTEGER NOT NULL CHECK (sample_count >= 0),
  complete       INTEGER NOT NULL CHECK (complete IN (0, 1)),
  samples        BLOB NOT NULL CHECK (length(samples) = 4 * sample_count),
  PRIMARY KEY (incident_id, channel_id, trigger),
  FOREIGN KEY (incident_id, asset_id) REFERENCES incidents(id, asset_id)
) STRICT;
`;
