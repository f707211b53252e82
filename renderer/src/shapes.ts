import { z } from 'zod';

/**
 * The value shapes of console replies that live outside engine/contract (the renderer may not
 * import engine internals). Minimal and loose on purpose: only the fields the pages read, unknown
 * fields kept, so a host that adds a field does not break a page; a reply that lacks a field a page
 * needs fails here with a message instead of rendering `undefined`.
 */

const num = z.number();
const nullableNum = z.number().nullable();

/** One line of the operator's alarm list (the host's AlarmBoard row). */
export const AlarmRowSchema = z.looseObject({
  assetId: z.string(),
  alarmKey: z.string(),
  priority: z.enum(['critical', 'high', 'medium', 'low']),
  /** ISA-18.2 state name: normal, active-unacknowledged, active-acknowledged, returned-unacknowledged, shelved, suppressed-by-design, out-of-service. */
  state: z.string(),
  annunciated: z.boolean(),
  activeSinceMs: nullableNum,
  value: nullableNum,
  setpoint: nullableNum,
  shelvedUntilMs: nullableNum,
});
export type AlarmRow = z.infer<typeof AlarmRowSchema>;

/** EEMUA 191 / ISA-18.2 figures of a period (alarms.kpis). */
export const AlarmKpisSchema = z.looseObject({
  fromMs: num,
  toMs: num,
  activations: num,
  per10MinAverage: num,
  per10MinPeak: num,
  floodBucketShare: num,
  floods: z.array(z.unknown()),
  chattering: z.array(z.looseObject({ assetId: z.string(), alarmKey: z.string(), maxPerMinute: num })),
  stale: z.array(z.looseObject({ assetId: z.string(), alarmKey: z.string(), activeMs: num })),
  badActors: z.array(z.looseObject({ assetId: z.string(), alarmKey: z.string(), activations: num, share: num })),
  priorityMix: z.record(z.string(), z.looseObject({ activations: num, share: num })),
});
export type AlarmKpis = z.infer<typeof AlarmKpisSchema>;

/** One trip's receipt as the e-stop reply lists it. */
export const TripReceiptsSchema = z.array(z.looseObject({ assetId: z.string(), commandedAtMs: num, latencyUs: num, actuator: z.string() }));

const DiagnosisSchema = z.looseObject({ fault: z.string(), confidence: num }).nullable();

/** One incident in the list. */
export const IncidentSummarySchema = z.looseObject({
  id: z.string(),
  assetId: z.string(),
  openedMs: num,
  closedMs: nullableNum,
  firstAlertMs: nullableNum,
  tripMs: nullableNum,
  modelVersion: z.string(),
  diagnosis: DiagnosisSchema,
  maxScore: nullableNum,
  summary: z.string().nullable(),
  configVersion: z.string().nullable().optional(),
});
export type IncidentSummary = z.infer<typeof IncidentSummarySchema>;

/**
 * Samples after JSON: an array, or — if a Float32Array was serialised as is — an object of index
 * keys. Both become a Float32Array; anything else is refused.
 */
const SamplesSchema = z.union([z.array(z.number().nullable()), z.record(z.string(), z.number().nullable())]).transform((v) => {
  const values = Array.isArray(v) ? v : Object.keys(v).sort((a, b) => Number(a) - Number(b)).map((k) => v[k]!);
  return Float32Array.from(values, (x) => (x === null ? Number.NaN : x));
});

/**
 * A raw waveform around one trigger of an incident. The host may send its samples or only their
 * count (a snapshot can hold millions: `vigil serve` leaves them to the incident export).
 */
export const SnapshotSchema = z.looseObject({
  channelId: z.string(),
  trigger: z.string(),
  triggerMs: num,
  startMs: num,
  sampleRateHz: num,
  preSamples: num,
  complete: z.boolean(),
  samples: SamplesSchema.optional(),
  sampleCount: num.optional(),
});
export type Snapshot = z.infer<typeof SnapshotSchema>;

/** An incident's ordered moments and its waveforms. */
export const IncidentTimelineSchema = z.looseObject({
  incidentId: z.string(),
  assetId: z.string(),
  openedMs: num,
  closedMs: nullableNum,
  modelVersion: z.string(),
  maxScore: nullableNum,
  diagnosis: DiagnosisSchema,
  entries: z.array(z.looseObject({ atMs: num, kind: z.string(), text: z.string(), modelVersion: z.string().nullable() })),
  snapshots: z.array(SnapshotSchema).default([]),
  tripFrame: z.looseObject({ channelId: z.string(), sampleRateHz: num }).nullable(),
});
export type IncidentTimeline = z.infer<typeof IncidentTimelineSchema>;

/** One setpoint group of a protection configuration; the rest of it is carried through unchanged. */
export const SetpointGroupSchema = z.looseObject({
  id: z.string(),
  quantity: z.looseObject({ kind: z.string(), name: z.string().optional() }),
  alert: num,
  danger: num,
  onDelayMs: num,
  offDelayMs: num.optional(),
  deadband: num.optional(),
  voting: z.string(),
  channels: z.array(z.string()),
});
export type SetpointGroup = z.infer<typeof SetpointGroupSchema>;

/** A protection configuration as config.get returns it; edited copies are proposed whole. */
export const ProtectionConfigSchema = z.looseObject({
  assetId: z.string(),
  tripMultiply: z.looseObject({ running: num, startup: num, stopped: num }).optional(),
  groups: z.array(SetpointGroupSchema).min(1),
});
export type ProtectionConfig = z.infer<typeof ProtectionConfigSchema>;

const OutcomeSchema = z.looseObject({
  activations: num,
  alertActivations: num,
  dangerActivations: num,
  trips: num,
  per10MinAverage: num,
  per10MinPeak: num,
  detections: z.array(z.looseObject({ incidentId: z.string(), detected: z.boolean(), leadMs: nullableNum })),
});
export type BacktestOutcome = z.infer<typeof OutcomeSchema>;

/** A pending change as its proposer and approver see it, with the backtest of both configurations. */
export const ProposalViewSchema = z.looseObject({
  changeId: z.string(),
  assetId: z.string(),
  baseVersionId: z.string(),
  config: ProtectionConfigSchema,
  by: z.string(),
  reason: z.string(),
  proposedMs: num,
  requiresApproval: z.boolean(),
  approvedBy: z.string().nullable(),
  revertAfterMs: nullableNum,
  backtest: z.looseObject({ fromMs: num, toMs: num, windows: num, incidents: num, current: OutcomeSchema, proposed: OutcomeSchema }).nullable(),
});
export type ProposalView = z.infer<typeof ProposalViewSchema>;

/**
 * config.get: the configuration itself, or a wrapper with it and the asset's pending change (a
 * host may send either; both are read).
 */
export const ConfigGetSchema = z.union([
  ProtectionConfigSchema.transform((config) => ({ config, pending: null as ProposalView | null, versionId: null as string | null })),
  z.looseObject({ config: ProtectionConfigSchema, pending: ProposalViewSchema.nullable().optional(), inForce: z.string().nullable().optional() }).transform((v) => ({
    config: v.config,
    pending: v.pending ?? null,
    versionId: v.inForce ?? null,
  })),
]);

/** config.apply's answer. */
export const ApplyResultSchema = z.looseObject({ versionId: z.string(), revertAtMs: nullableNum.optional() });

/** One stored configuration version, newest first. */
export const ConfigHistorySchema = z.array(
  z.looseObject({ id: z.string(), seq: num, createdMs: num, createdBy: z.string(), reason: z.string(), changeId: z.string().nullable(), inForce: z.boolean() }),
);
export type ConfigHistoryEntry = z.infer<typeof ConfigHistorySchema>[number];

/** One row of the audit trail. */
export const AuditListSchema = z.array(
  z.looseObject({
    id: num,
    atMs: num,
    actor: z.string(),
    role: z.string().nullable(),
    action: z.string(),
    target: z.string().nullable(),
    reason: z.string().nullable(),
    outcome: z.string(),
    refusal: z.string().nullable(),
  }),
);
export type AuditRow = z.infer<typeof AuditListSchema>[number];

/** Parses a reply value, turning a mismatch into an error a person can read. */
export function parseValue<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`the console host's ${what} is not what this page reads (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
}
