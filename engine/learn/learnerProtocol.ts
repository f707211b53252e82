import type { LearnerKey } from './LearnerService';

/**
 * Requests to the learner thread, one per LearnerApi method. `seq` 0 marks fire-and-forget
 * (online learning): no reply unless it fails, so a busy learner never back-pressures the engine.
 */
export type LearnerRequest =
  | { seq: number; method: 'fit'; key: LearnerKey; vectors: Float32Array[]; featureNames: string[]; seed: number }
  | { seq: number; method: 'restore'; key: LearnerKey; learner: unknown }
  | { seq: number; method: 'learn'; key: LearnerKey; vectors: Float32Array[] }
  | { seq: number; method: 'score'; key: LearnerKey; vectors: Float32Array[] }
  | { seq: number; method: 'snapshot'; key: LearnerKey }
  | { seq: number; method: 'drop'; key: LearnerKey };

/** Replies carry the request's sequence number; errors travel as messages, never as thrown clones. */
export type LearnerReply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; error: string };
