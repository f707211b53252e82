import { SCHEMA_V1 } from './schemaV1';
import { SCHEMA_V2 } from './schemaV2';
import { SCHEMA_V3 } from './schemaV3';
import { SCHEMA_V4 } from './schemaV4';
import { SCHEMA_V5 } from './schemaV5';
import { SCHEMA_V6 } from './schemaV6';
import { SCHEMA_V7 } from './schemaV7';
import { SCHEMA_V8 } from './schemaV8';

/**
 * One step of the schema's history. Steps are append-only: once released, a step's `version`,
 * `name` and `up` never change (the migrator refuses a database whose recorded name differs, which
 * catches two branches that both claimed the same version number).
 */
export interface Migration {
  /** 1, 2, 3 … with no gaps; the database's schema version after this step. */
  version: number;
  /** Short snake_case label, recorded in `schema_migrations` for humans and divergence checks. */
  name: string;
  /** SQL run inside the step's transaction. Must not contain BEGIN/COMMIT. */
  up: string;
}

/**
 * Every migration the code knows, oldest first. Later issues append configuration versions and
 * snapshots as versions 5, 6, …; add a `schemaVN.ts` beside `schemaV1.ts` and one line here.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: SCHEMA_V1 },
  { version: 2, name: 'model_registry', up: SCHEMA_V2 },
  { version: 3, name: 'users_audit', up: SCHEMA_V3 },
  { version: 4, name: 'alarm_journal_feature_history', up: SCHEMA_V4 },
  { version: 5, name: 'config_versions', up: SCHEMA_V5 },
  { version: 6, name: 'incident_snapshots', up: SCHEMA_V6 },
  { version: 7, name: 'protection_detail', up: SCHEMA_V7 },
  { version: 8, name: 'remote_grants', up: SCHEMA_V8 },
];

/** The schema version this build writes; a database above it is refused. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
