import type { SetpointSource, TripSource } from '../contract/events';

/**
 * The reason a trip command carries, e.g. "score 3.214 ≥ danger 3 [group score]". Written and
 * read here only, because the controller keeps it verbatim and a restart rebuilds lost incidents
 * from it. The value is NaN ("n/a") when faulted channels cast the trip votes.
 */
export function formatTripReason(source: SetpointSource, value: number, setpoint: number, groupId?: string): string {
  const v = Number.isFinite(value) ? value.toFixed(3) : 'n/a';
  return `${source} ${v} ≥ danger ${setpoint}${groupId ? ` [group ${groupId}]` : ''}`;
}

/** The reason an emergency stop carries: "operator e-stop by olga: bearing smoking". */
export function formatOperatorTripReason(by: string, why: string): string {
  return `operator e-stop by ${by}: ${why}`;
}

/** The fields of a {@link formatTripReason} or {@link formatOperatorTripReason} text; null for a reason written by something else. */
export function parseTripReason(reason: string): { source: TripSource; value: number; setpoint: number; groupId: string | null } | null {
  if (reason.startsWith('operator e-stop by ')) return { source: 'operator', value: 0, setpoint: 0, groupId: 'operator' };
  const m = /^(score|velocity|feature) (-?[\d.]+|n\/a) ≥ danger (-?[\d.e+]+)(?: \[group ([^\]]+)\])?/.exec(reason);
  return m ? { source: m[1] as SetpointSource, value: m[2] === 'n/a' ? Number.NaN : Number(m[2]), setpoint: Number(m[3]), groupId: m[4] ?? null } : null;
}
