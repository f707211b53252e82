import { describe, expect, it } from 'vitest';
import { parseProtectionConfig, PROTECTION_FEATURE_NAMES } from '../../../engine/protect/protectionConfig';
import { ProtectionOperatorCommandSchema } from '../../../engine/protect/protectionEvents';

/** Config validation: each mistake a commissioning engineer can make gets one message saying where and what to change. */

const KNOWN = ['kurtosis', 'crest', 'env_bpfo_rel'];
const group = (over: object = {}) => ({
  id: 'velocity',
  quantity: { kind: 'velocityMmS' },
  alert: 4.5,
  danger: 7.1,
  onDelayMs: 0,
  voting: '1oo1',
  channels: ['a'],
  qualityPolicy: 'ignore-channel',
  ...over,
});
const errorsOf = (input: unknown) => {
  const r = parseProtectionConfig(input, KNOWN);
  return r.ok ? [] : r.errors;
};

describe('protection v2 config', () => {
  it('given a minimal group, when parsed, then defaults are filled: no off-delay, no deadband, trip multiply 1', () => {
    expect(parseProtectionConfig({ assetId: 'p', groups: [group()] }, KNOWN)).toEqual({
      ok: true,
      value: {
        assetId: 'p',
        tripMultiply: { running: 1, startup: 1, stopped: 1 },
        groups: [{ ...group(), offDelayMs: 0, deadband: 0, tripMultiplied: true }],
      },
    });
  });

  it('given danger below alert, then the message names the group, both levels and their unit', () => {
    expect(errorsOf({ assetId: 'p', groups: [group({ alert: 7.1, danger: 4 })] })).toEqual([
      "groups[0] 'velocity'.danger: danger 4 mm/s is below alert 7.1 mm/s: danger must be at or above alert",
    ]);
  });

  it('given negative delays, then each is reported', () => {
    expect(errorsOf({ assetId: 'p', groups: [group({ onDelayMs: -5, offDelayMs: -1 })] })).toEqual([
      "groups[0] 'velocity'.onDelayMs: onDelayMs must be ≥ 0 ms, got -5 (a delay cannot be negative)",
      "groups[0] 'velocity'.offDelayMs: offDelayMs must be ≥ 0 ms, got -1 (a delay cannot be negative)",
    ]);
  });

  it('given an unknown feature name, then the known names are listed with the likely one', () => {
    expect(errorsOf({ assetId: 'p', groups: [group({ id: 'impacts', quantity: { kind: 'feature', name: 'kurtosys' }, alert: 4, danger: 8 })] })).toEqual([
      "groups[0] 'impacts'.quantity.name: unknown feature 'kurtosys' (did you mean 'kurtosis'?); known features: kurtosis, crest, env_bpfo_rel",
    ]);
  });

  it('given a voting mode needing more channels than configured, or fewer, then what to add or choose', () => {
    expect(errorsOf({ assetId: 'p', groups: [group({ voting: '2oo3', channels: ['a', 'b'] })] })).toEqual([
      "groups[0] 'velocity'.voting: voting 2oo3 needs 3 channels but the group has 2 (a, b): add 1 channel or choose a 2-channel mode (1oo2 or 2oo2)",
    ]);
    expect(errorsOf({ assetId: 'p', groups: [group({ channels: ['a', 'b'] })] })).toEqual([
      "groups[0] 'velocity'.voting: voting 1oo1 needs 1 channel but the group has 2 (a, b): choose a 2-channel mode (1oo2 or 2oo2) or split the group",
    ]);
  });

  it('given duplicate group ids and a channel listed twice, then both are reported', () => {
    expect(errorsOf({ assetId: 'p', groups: [group(), group({ voting: '2oo2', channels: ['b', 'b'] })] })).toEqual([
      "groups[1] 'velocity'.id: duplicate group id 'velocity': events name groups by id",
      "groups[1] 'velocity'.channels: channel b listed twice: each channel votes once",
    ]);
  });

  it('given a trip multiply below 1 and a deadband that would keep the alert forever, then both are reported', () => {
    expect(errorsOf({ assetId: 'p', tripMultiply: { startup: 0.5 }, groups: [group({ deadband: 5 })] })).toEqual([
      'tripMultiply.startup: tripMultiply.startup must be ≥ 1 (API 670 trip multiply raises setpoints), got 0.5',
      "groups[0] 'velocity'.deadband: deadband 5 mm/s must be below alert 4.5 mm/s, or the alert could never clear",
    ]);
  });

  it('given an unknown voting mode and quality policy, then the valid ones are listed', () => {
    expect(errorsOf({ assetId: 'p', groups: [group({ voting: '3oo4', qualityPolicy: 'trip' })] })).toEqual([
      "groups[0] 'velocity'.voting: voting must be one of 1oo1, 1oo2, 2oo2, 2oo3",
      "groups[0] 'velocity'.qualityPolicy: qualityPolicy must be one of ignore-channel, vote-as-tripped, alarm-only",
    ]);
  });

  it('given no groups, then a config without protection is refused', () => {
    expect(errorsOf({ assetId: 'p', groups: [] })).toEqual(['groups: a protection config needs at least one setpoint group']);
  });

  it('given no feature list, then the default names cover the diagnostic features', () => {
    expect(PROTECTION_FEATURE_NAMES).toEqual(expect.arrayContaining(['kurtosis', 'env_bpfo_rel', 'crest']));
    expect(parseProtectionConfig({ assetId: 'p', groups: [group({ quantity: { kind: 'feature', name: 'env_bpfo_rel' }, alert: 3, danger: 6 })] }).ok).toBe(true);
  });

  it('given a bypass command without who or why, when parsed at the boundary, then it is refused with what is missing', () => {
    const r = ProtectionOperatorCommandSchema.safeParse({ type: 'Bypass', atMs: 0, by: ' ', reason: '' });
    expect(r.success ? [] : r.error.issues.map((i) => i.message)).toEqual([
      'say who: an operator command without a name cannot be audited',
      'a bypass needs a reason (at least 3 characters)',
    ]);
  });
});
