/**
 * Schema version 1: assets, the model registry, the alarm-level log, trips and incidents.
 *
 * Conventions every later migration should keep:
 * - STRICT tables, so a wrong type is an error instead of a silent affinity conversion.
 * - Times are REAL epoch milliseconds (`*_ms`): engine clocks may be fractional, and a STRICT
 *   INTEGER column would reject 1712.5 at the worst moment (while recording a trip).
 * - Enumerations (levels, sources) are checked in TypeScript, not with CHECK constraints, because
 *   SQLite cannot alter a CHECK without rebuilding the table, and ISA-18.2 states are coming.
 * - Every row that belongs to a machine references `assets`, so the engine must upsert an asset
 *   before writing anything about it; rows about unknown machines are refused, never orphaned.
 * - Incident ids are TEXT chosen by the engine, because writes are deferred: the trip that
 *   references an incident is enqueued before the incident row exists on disk.
 */
export const SCHEMA_V1 = `
CREATE TABLE assets (
  asset_id    TEXT PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL,
  config_json TEXT NOT NULL CHECK (json_valid(config_json)),
  created_ms  REAL NOT NULL
) STRICT;

CREATE TABLE model_versions (
  version_id       TEXT PRIMARY KEY NOT NULL CHECK (length(version_id) > 0),
  asset_id         TEXT NOT NULL REFERENCES assets(asset_id),
  created_ms       REAL NOT NULL,
  onnx             BLOB NOT NULL,
  params_json      TEXT NOT NULL CHECK (json_valid(params_json)),
  calibration_json TEXT NOT NULL CHECK (json_valid(calibration_json)),
  windows          INTEGER NOT NULL CHECK (windows >= 0),
  promoted_by      TEXT
) STRICT;
CREATE INDEX model_versions_asset_created ON model_versions(asset_id, created_ms);

CREATE TABLE alarm_events (
  id             INTEGER PRIMARY KEY,
  asset_id       TEXT NOT NULL REFERENCES assets(asset_id),
  at_ms          REAL NOT NULL,
  from_level     TEXT NOT NULL,
  to_level       TEXT NOT NULL,
  source         TEXT NOT NULL,
  value          REAL NOT NULL,
  setpoint       REAL NOT NULL,
  model_version  TEXT NOT NULL,
  diagnosis_json TEXT CHECK (diagnosis_json IS NULL OR json_valid(diagnosis_json))
) STRICT;
CREATE INDEX alarm_events_asset_at ON alarm_events(asset_id, at_ms);

CREATE TABLE incidents (
  id              TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
  asset_id        TEXT NOT NULL REFERENCES assets(asset_id),
  opened_ms       REAL NOT NULL,
  closed_ms       REAL,
  first_alert_ms  REAL,
  trip_ms         REAL,
  model_version   TEXT NOT NULL,
  diagnosis_json  TEXT CHECK (diagnosis_json IS NULL OR json_valid(diagnosis_json)),
  max_score       REAL,
  trip_frame_json TEXT CHECK (trip_frame_json IS NULL OR json_valid(trip_frame_json)),
  trip_frame      BLOB,
  summary         TEXT,
  CHECK ((trip_frame IS NULL) = (trip_frame_json IS NULL))
) STRICT;
CREATE INDEX incidents_asset_opened ON incidents(asset_id, opened_ms);

CREATE TABLE trips (
  id              INTEGER PRIMARY KEY,
  asset_id        TEXT NOT NULL REFERENCES assets(asset_id),
  decided_at_ms   REAL NOT NULL,
  commanded_at_ms REAL NOT NULL,
  latency_us      REAL NOT NULL,
  source          TEXT NOT NULL,
  value           REAL NOT NULL,
  setpoint        REAL NOT NULL,
  model_version   TEXT NOT NULL,
  actuator        TEXT NOT NULL,
  incident_id     TEXT NOT NULL REFERENCES incidents(id)
) STRICT;
CREATE INDEX trips_asset_decided ON trips(asset_id, decided_at_ms);
CREATE INDEX trips_incident ON trips(incident_id);
`;
