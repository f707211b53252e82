/**
 * Plain-data results and errors for the store, in the style of Signal Desktop's SQL worker replies:
 * `{ ok, value | error }`. Nothing here holds an Error object or a class instance, so a result can
 * cross `postMessage` (a worker thread) or a socket unchanged when the writer moves off-thread.
 */

/** Outcome of a store call. A union instead of a throw so it survives structured clone. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

/**
 * A failure described as data. `transient` decides the writer's reaction: a transient failure
 * (disk busy, locked, I/O, full) is retried with the same ops; a permanent one (constraint, bad
 * data, unknown id) would fail again, so the batch is split and the offending op is reported.
 */
export interface StoreError {
  /** SQLite extended result code (`SQLITE_CONSTRAINT_FOREIGNKEY`), or a `VIGIL_*` code of ours. */
  code: string;
  message: string;
  transient: boolean;
  /** Index of the op inside the batch that raised the error, when known. */
  opIndex?: number;
}

/**
 * Raised by repository methods for a request that can never succeed as written (an update of an
 * incident that does not exist). Carries a `VIGIL_*` code so it classifies as permanent.
 */
export class StoreRequestError extends Error {
  /** Machine-readable reason, e.g. `VIGIL_NO_SUCH_INCIDENT`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'StoreRequestError';
    this.code = code;
  }
}

/**
 * SQLite result-code prefixes that describe the environment rather than the data: the same
 * statement may succeed later. Everything else (constraints, type mismatch, SQL errors, our own
 * request errors, exceptions from binding bad values) is permanent.
 */
const TRANSIENT_PREFIXES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_NOMEM',
  'SQLITE_INTERRUPT',
  'SQLITE_READONLY',
] as const;

/**
 * Turns anything thrown inside a store transaction into a serializable `StoreError`, deciding
 * whether a retry can help. Kept in one place so the writer and any future worker agree.
 */
export function toStoreError(thrown: unknown, opIndex?: number): StoreError {
  const code =
    thrown instanceof Error && typeof (thrown as { code?: unknown }).code === 'string'
      ? (thrown as unknown as { code: string }).code
      : 'VIGIL_UNEXPECTED';
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const transient = TRANSIENT_PREFIXES.some((p) => code.startsWith(p));
  return opIndex === undefined ? { code, message, transient } : { code, message, transient, opIndex };
}
