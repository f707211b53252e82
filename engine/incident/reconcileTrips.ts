import { parseTripReason } from '../actuate/tripReason';
import type { Repository } from '../store/Repository';

/** A trip the controller latched, as it reports it after a restart (the controller outlives the console). */
export interface LatchedTrip {
  assetId: string;
  /** Engine time at which the trip was decided (the command carries it). */
  decidedAtMs: number;
  /** When the controller accepted the command. */
  commandedAtMs: number;
  reason: string;
  actuator: string;
}

/** Marks an incident rebuilt from the controller rather than recorded by the engine. */
export const RECONSTRUCTED_PREFIX = 'reconstructed at restart';

/**
 * After a crash, every trip that reached the controller must have its incident. The engine writes
 * incidents after the trip command (the trip never waits for disk), so a kill between the two loses
 * the record but not the trip: here each latched trip without a stored trip row gets an incident and
 * a trip row, marked reconstructed, with what the controller knows (asset, times, reason). The model
 * version and the diagnosis are unknown and say so. Idempotent: a second run adds nothing.
 */
export function reconcileTrips(repo: Repository, latched: readonly LatchedTrip[]): string[] {
  const created: string[] = [];
  const known = new Map<string, Set<number>>();
  const storedAt = (assetId: string): Set<number> => {
    let s = known.get(assetId);
    if (!s) known.set(assetId, (s = new Set(repo.listTrips({ assetId, limit: 1_000_000_000 }).map((t) => Math.round(t.decidedAtMs)))));
    return s;
  };
  for (const l of latched) {
    if (storedAt(l.assetId).has(Math.round(l.decidedAtMs))) continue;
    if (!repo.getAsset(l.assetId)) continue; // an asset the store never knew: nothing to attach an incident to
    const id = `inc-${l.assetId}-${Math.round(l.decidedAtMs)}-reconstructed`;
    if (repo.getIncident(id)) continue;
    repo.openIncident({ id, assetId: l.assetId, openedMs: l.decidedAtMs, modelVersion: 'unknown (reconstructed)', firstAlertMs: null, diagnosis: null, maxScore: null });
    const parsed = parseTripReason(l.reason);
    const why = parsed ? { source: parsed.source, value: parsed.value, setpoint: parsed.setpoint, ...(parsed.groupId ? { groupId: parsed.groupId } : {}) } : { source: 'score' as const, value: 0, setpoint: 0 };
    repo.insertTrip({
      type: 'TripRequested',
      assetId: l.assetId,
      decidedAtMs: l.decidedAtMs,
      commandedAtMs: l.commandedAtMs,
      latencyUs: 0,
      ...why,
      modelVersion: 'unknown (reconstructed)',
      diagnosis: null,
      incidentId: id,
      actuator: l.actuator,
    });
    repo.updateIncident(id, { tripMs: l.decidedAtMs });
    repo.closeIncident(id, l.commandedAtMs, `${RECONSTRUCTED_PREFIX} from the controller's latched trip: ${l.reason}`);
    storedAt(l.assetId).add(Math.round(l.decidedAtMs));
    created.push(id);
  }
  return created;
}

