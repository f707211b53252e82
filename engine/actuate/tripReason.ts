import type { SetpointSource } from '../contract/events';

/**
 * The reason a trip command carries, e.g. "score 3.214 ≥ danger 3". Written and read here only,
 * because the controller keeps it verbatim and a restart rebuilds lost incidents from it.
 */
export function formatTripReason(source: SetpointSource, value: number, setpoint: number): string {
  return `${source} ${value.toFixed(3)} ≥ danger ${setpoint}`;
}

/** The fields of a {@link formatTripReason} text; null for a reason written by something else. */
export function parseTripReason(reason: string): { source: SetpointSource; value: number; setpoint: number } | null {
  const m = /^(score|velocity) (-?[\d.]+) ≥ danger (-?[\d.]+)/.exec(reason);
  return m ? { source: m[1] as SetpointSource, value: Number(m[2]), setpoint: Number(m[3]) } : null;
}
