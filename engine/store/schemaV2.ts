/**
 * Schema version 2: the model registry for online learning.
 *
 * Production scores with a frozen, versioned model while a shadow learns; promotion swaps models
 * and rollback returns to any stored version. To make every swap traceable, v2:
 * - extends `model_versions` with where a version came from (`parent_version`), which channel and
 *   operating regime it serves, its numeric precision and the validation figures that admitted it.
 *   Rows written by v1 keep NULL in all of them and stay valid. `params_json` keeps the fp32 weights.
 * - adds `model_promotions`, an append-only log of which version went into production, when, by
 *   whom and why. The production version is derived from it (newest row), never stored as a flag,
 *   so a rollback is one more row and the history cannot be rewritten by an update.
 * - adds `model_feedback`, the operator's verdict on an alarm episode together with the feature
 *   vectors of that episode, so a learner can later train on (or away from) exactly what was seen.
 *
 * Unlike v1's enumerations, `precision`, `kind` and `verdict` are CHECKed in SQL: these sets are
 * closed by design (they name formats and facts, not alarm states that standards may extend), and
 * a registry row with an unknown kind would make `productionVersion` meaningless.
 *
 * `by` is an SQL keyword usable as a name; it is quoted everywhere for readability.
 */
export const SCHEMA_V2 = `
ALTER TABLE model_versions ADD COLUMN channel_id TEXT;
ALTER TABLE model_versions ADD COLUMN parent_version TEXT;
ALTER TABLE model_versions ADD COLUMN precision TEXT CHECK (precision IS NULL OR precision IN ('fp32', 'int8'));
ALTER TABLE model_versions ADD COLUMN regime_json TEXT CHECK (regime_json IS NULL OR json_valid(regime_json));
ALTER TABLE model_versions ADD COLUMN validation_json TEXT CHECK (validation_json IS NULL OR json_valid(validation_json));

CREATE TABLE model_promotions (
  id              INTEGER PRIMARY KEY,
  asset_id        TEXT NOT NULL REFERENCES assets(asset_id),
  channel_id      TEXT NOT NULL,
  from_version    TEXT REFERENCES model_versions(version_id),
  to_version      TEXT NOT NULL REFERENCES model_versions(version_id),
  at_ms           REAL NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('commissioning', 'promotion', 'rollback', 'regime')),
  "by"            TEXT NOT NULL CHECK (length("by") > 0),
  reason          TEXT,
  validation_json TEXT CHECK (validation_json IS NULL OR json_valid(validation_json))
) STRICT;
CREATE INDEX model_promotions_asset_channel_at ON model_promotions(asset_id, channel_id, at_ms);

CREATE TABLE model_feedback (
  id            INTEGER PRIMARY KEY,
  asset_id      TEXT NOT NULL REFERENCES assets(asset_id),
  channel_id    TEXT NOT NULL,
  incident_id   TEXT REFERENCES incidents(id),
  verdict       TEXT NOT NULL CHECK (verdict IN ('false_alarm', 'confirmed_fault')),
  "by"          TEXT NOT NULL CHECK (length("by") > 0),
  note          TEXT,
  at_ms         REAL NOT NULL,
  model_version TEXT,
  from_ms       REAL NOT NULL,
  to_ms         REAL NOT NULL CHECK (to_ms >= from_ms),
  vector_length INTEGER NOT NULL CHECK (vector_length >= 0),
  windows       INTEGER NOT NULL CHECK (windows >= 0),
  vectors       BLOB NOT NULL,
  CHECK (length(vectors) = 4 * windows * vector_length)
) STRICT;
CREATE INDEX model_feedback_asset_channel_at ON model_feedback(asset_id, channel_id, at_ms);
`;
