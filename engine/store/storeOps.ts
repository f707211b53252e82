import type { AlarmEvent } from '../alarm/alarmTypes';
import type { AssetConfig } from '../contract/asset';
import type { AlarmLevelChanged } from '../contract/events';
import type { WaveformSnapshot } from '../incident/WaveformRecorder';
import type { Repository } from './Repository';
import type {
  FeatureHistoryRow,
  IncidentOpen,
  IncidentPatch,
  ModelFeedbackInput,
  ModelPromotionInput,
  ModelVersionInput,
  TripInput,
} from './records';

/**
 * One write the engine asks the store to make, as plain data. Ops carry only JSON-able values and
 * typed arrays (structured-clone safe), so the queue can be handed to a worker thread or logged
 * as-is; the engine never gets a callback from the disk.
 *
 * Ownership: after `StoreWriter.enqueue(op)` the op belongs to the writer. The writer copies the
 * typed arrays in trip frames, ONNX bytes, feedback vectors and snapshots (rare, and usually views into reused
 * buffers), but the engine must not mutate the other objects it passed.
 */
export type StoreOp =
  | { kind: 'upsertAsset'; config: AssetConfig; atMs: number }
  | { kind: 'saveModelVersion'; model: ModelVersionInput }
  | { kind: 'insertAlarmEvent'; event: AlarmLevelChanged }
  | { kind: 'openIncident'; incident: IncidentOpen }
  | { kind: 'updateIncident'; id: string; patch: IncidentPatch }
  | { kind: 'closeIncident'; id: string; closedMs: number; summary?: string | null }
  | { kind: 'insertTrip'; trip: TripInput }
  | { kind: 'recordPromotion'; promotion: ModelPromotionInput }
  | { kind: 'insertFeedback'; feedback: ModelFeedbackInput }
  /** One event of the ISA-18.2 alarm decider, for the alarm journal. */
  | { kind: 'appendAlarmJournal'; event: AlarmEvent }
  /** Completed seconds of feature history (what `FeatureDownsampler.push` returns), upserted. */
  | { kind: 'appendFeatureHistory'; rows: readonly FeatureHistoryRow[] }
  /** A raw waveform snapshot around an incident (what `WaveformRecorder` returns), upserted by its key. */
  | { kind: 'insertSnapshot'; snapshot: WaveformSnapshot };

/** The discriminant of `StoreOp`. */
export type StoreOpKind = StoreOp['kind'];

/**
 * How the writer treats an op when the queue is long.
 * - `critical`: never dropped. Incidents, trips, the model registry (versions, promotions, operator
 *   feedback), asset configuration and the alarm journal are the record of what the machine, Vigil
 *   and people did; losing one is worse than using memory, so the queue for them is unbounded (a
 *   backlog warning fires instead).
 * - `bounded`: may be dropped when too many are queued, counted and reported. Records whose rate is
 *   set by the process rather than by people, and whose loss leaves the record intact: a chattering
 *   alarm can change level every window; feature history arrives every second for every channel.
 */
export type OpPriority = 'critical' | 'bounded';

/** The priority of every op kind; adding a kind without deciding its priority fails to compile. */
export const OP_PRIORITY: Readonly<Record<StoreOpKind, OpPriority>> = {
  upsertAsset: 'critical',
  saveModelVersion: 'critical',
  insertAlarmEvent: 'bounded',
  openIncident: 'critical',
  updateIncident: 'critical',
  closeIncident: 'critical',
  insertTrip: 'critical',
  recordPromotion: 'critical',
  insertFeedback: 'critical',
  // The journal is the ISA-18.2 alarm record (what was annunciated, who acknowledged or shelved,
  // which commands were refused); a gap in it is a gap in the site's alarm history, so it is never
  // dropped even though the process sets its rate. The decider emits on state changes and operator
  // commands only; a chattering alarm is for alarm rationalisation (the KPIs) to expose, not for
  // this queue to hide.
  appendAlarmJournal: 'critical',
  // Feature history is derived, high-rate data (with FeatureDownsampler, about one op per channel
  // per second): under a backlog it is the first thing to give up, and a gap reads as NaN ("not
  // measured") in the backtest. Drops are counted per op, i.e. in channel-seconds.
  appendFeatureHistory: 'bounded',
  // The raw waveform around an incident is its evidence (what the machine did before and after the
  // trip); a few per incident, so keeping them costs little and losing one cannot be made up.
  insertSnapshot: 'critical',
};

/**
 * Copies the typed arrays an op carries, so a view into the engine's ring buffer or a reused
 * window cannot change after enqueue. Only trip frames, ONNX graphs, feedback vectors and waveform
 * snapshots carry arrays; all are rare (a snapshot is owned by its recorder's caller, but the copy
 * keeps the rule simple: nothing enqueued can change afterwards).
 */
export function detachOp(op: StoreOp): StoreOp {
  switch (op.kind) {
    case 'openIncident':
      return op.incident.tripFrame
        ? { ...op, incident: { ...op.incident, tripFrame: { ...op.incident.tripFrame, samples: op.incident.tripFrame.samples.slice() } } }
        : op;
    case 'updateIncident':
      return op.patch.tripFrame
        ? { ...op, patch: { ...op.patch, tripFrame: { ...op.patch.tripFrame, samples: op.patch.tripFrame.samples.slice() } } }
        : op;
    case 'saveModelVersion':
      return { ...op, model: { ...op.model, onnx: op.model.onnx.slice() } };
    case 'insertFeedback':
      return { ...op, feedback: { ...op.feedback, vectors: op.feedback.vectors.map((v) => v.slice()) } };
    case 'insertSnapshot':
      return { ...op, snapshot: { ...op.snapshot, samples: op.snapshot.samples.slice() } };
    default:
      return op;
  }
}

/**
 * Executes one op against the repository. Called inside the writer's transaction, so a throw here
 * rolls back the whole batch.
 */
export function applyOp(repo: Repository, op: StoreOp): void {
  switch (op.kind) {
    case 'upsertAsset':
      repo.upsertAsset(op.config, op.atMs);
      return;
    case 'saveModelVersion':
      repo.saveModelVersion(op.model);
      return;
    case 'insertAlarmEvent':
      repo.insertAlarmEvent(op.event);
      return;
    case 'openIncident':
      repo.openIncident(op.incident);
      return;
    case 'updateIncident':
      repo.updateIncident(op.id, op.patch);
      return;
    case 'closeIncident':
      repo.closeIncident(op.id, op.closedMs, op.summary);
      return;
    case 'insertTrip':
      repo.insertTrip(op.trip);
      return;
    case 'recordPromotion':
      repo.models.recordPromotion(op.promotion);
      return;
    case 'insertFeedback':
      repo.models.insertFeedback(op.feedback);
      return;
    case 'appendAlarmJournal':
      repo.journal.append(op.event);
      return;
    case 'appendFeatureHistory':
      repo.history.append(op.rows);
      return;
    case 'insertSnapshot':
      repo.snapshots.insert(op.snapshot);
      return;
    default: {
      const never: never = op;
      throw new Error(`unknown store op ${JSON.stringify(never)}`);
    }
  }
}
