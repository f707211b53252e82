/** The store: SQLite schema and migrations, typed queries, and the off-hot-path writer. */
export { openDatabase, type OpenDatabaseOptions, type OpenedDatabase } from './openDatabase';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations';
export { runMigrations, SchemaTooNewError, MigrationMismatchError, type MigrationReport } from './migrate';
export { Repository } from './Repository';
export { ModelRegistry } from './ModelRegistry';
export { AlarmJournal } from './AlarmJournal';
export { FeatureHistory, MAX_HISTORY_LOAD_S, type PruneOptions } from './FeatureHistory';
export { FeatureDownsampler, type FeatureDownsamplerOptions } from './featureDownsampler';
export type * from './records';
export { type Result, type StoreError, StoreRequestError, toStoreError } from './result';
export { type StoreOp, type StoreOpKind, type OpPriority, OP_PRIORITY, applyOp, detachOp } from './storeOps';
export { SqliteBackend, type StoreBackend, type BatchApplied } from './SqliteBackend';
export { nodeScheduler, type Scheduler, type Cancel } from './scheduler';
export {
  StoreWriter,
  StoreWriterError,
  type StoreWriterIssue,
  type StoreWriterOptions,
  type StoreWriterStats,
} from './StoreWriter';
export { float32ToBlob, blobToFloat32, packFloat32Windows, unpackFloat32Windows } from './float32Blob';
export { AuditTrail, type AuditEntryInput, type AuditRecord, type AuditQuery, type AuditOutcome, type AuditTrailOptions } from './AuditTrail';
export { UserStore, type UserRole, type RemoteGrant, type SecretKind, type StoredSecret, type UserRecord, type NewUser } from './UserStore';
