import { parseProtectionConfig, type ProtectionConfigInput, type SetpointGroupInput } from '../../../engine/protect/protectionConfig';
import type { ChannelReading, EvaluateWindow, ProtectionV2Command, ProtectionV2Event, ProtectionV2State } from '../../../engine/protect/protectionEvents';
import { compileProtectionPlan, type ProtectionPlan } from '../../../engine/protect/protectionPlan';
import { initialProtectionV2State } from '../../../engine/protect/protectionState';
import { handleProtection } from '../../../engine/protect/protectionV2';

/** Shared given/when/then helpers for the protection decider tests. */

/** A velocity group on channel 'a': alert 4.5, danger 7.1 mm/s, no delays, 1oo1, overridable. */
export function velocityGroup(over: Partial<SetpointGroupInput> = {}): SetpointGroupInput {
  return { id: 'velocity', quantity: { kind: 'velocityMmS' }, alert: 4.5, danger: 7.1, onDelayMs: 0, voting: '1oo1', channels: ['a'], qualityPolicy: 'ignore-channel', ...over };
}

/** Given: a plan compiled from a config that must be valid. */
export function givenPlan(groups: SetpointGroupInput[], over: Partial<ProtectionConfigInput> = {}): ProtectionPlan {
  const r = parseProtectionConfig({ assetId: 'pump-1', groups, ...over });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return compileProtectionPlan(r.value);
}

/** A channel's reading: a number is its velocity in mm/s, an object overrides any field. */
export type ReadingSpec = number | (Partial<ChannelReading> & { velocityMmS?: number | null });

function reading(channelId: string, spec: ReadingSpec): ChannelReading {
  const base: ChannelReading = { channelId, quality: 'good', score: null, velocityMmS: null, features: {} };
  return typeof spec === 'number' ? { ...base, velocityMmS: spec } : { ...base, ...spec };
}

/** An EvaluateWindow at `atMs` with the given channels (omitted channels are absent from the window). */
export function window(atMs: number, channels: Record<string, ReadingSpec>, operatingState: EvaluateWindow['operatingState'] = 'running'): EvaluateWindow {
  return { type: 'EvaluateWindow', atMs, operatingState, channels: Object.entries(channels).map(([id, s]) => reading(id, s)) };
}

/** Windows one second apart from `startMs`, one per entry. */
export function windows(startMs: number, specs: Array<Record<string, ReadingSpec>>, operatingState: EvaluateWindow['operatingState'] = 'running'): EvaluateWindow[] {
  return specs.map((s, i) => window(startMs + i * 1000, s, operatingState));
}

/** When: commands applied in order; then: every event and the final state. */
export function run(plan: ProtectionPlan, commands: ProtectionV2Command[], state: ProtectionV2State = initialProtectionV2State(plan)) {
  const events: ProtectionV2Event[] = [];
  for (const c of commands) {
    const r = handleProtection(state, c, plan);
    state = r.state;
    events.push(...r.events);
  }
  return { state, events };
}

/** Events of the given types only, to keep an assertion about one concern whole but short. */
export function only<T extends ProtectionV2Event['type']>(events: ProtectionV2Event[], ...types: T[]): Array<Extract<ProtectionV2Event, { type: T }>> {
  return events.filter((e): e is Extract<ProtectionV2Event, { type: T }> => (types as string[]).includes(e.type));
}
