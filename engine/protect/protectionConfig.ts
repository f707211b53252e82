import { z } from 'zod';
import { DIAG_FEATURES } from '../diagnose/relativeFeatures';
import { QUALITY_POLICIES, VOTE_KN, VOTING_MODES } from './voting';
import { editDistance } from '../util/editDistance';

/**
 * Configuration of the second protection decider, with a schema whose messages name the group and
 * say what to change: a protection config is edited by hand at commissioning and a vague error there
 * becomes a machine left unprotected.
 */

/** Operating states passed with each window; trip multiply is configured per state. */
export const OPERATING_STATES = ['running', 'startup', 'stopped'] as const;
/** The operating state of the machine in a window. */
export type OperatingState = (typeof OPERATING_STATES)[number];

/**
 * Feature names a group may watch when the caller does not pass its own list: the scalar features of
 * a FeatureSet and the diagnostic relative features (envelope lines over the floor, orders, …).
 */
export const PROTECTION_FEATURE_NAMES: readonly string[] = [
  ...new Set(['kurtosis', 'skewness', 'crest', 'rms_g', 'peak_g', ...DIAG_FEATURES]),
];

/** The quantity a group watches. Score and velocity are never negative, features may be. */
export const QuantitySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('score') }),
  z.object({ kind: z.literal('velocityMmS') }),
  z.object({ kind: z.literal('feature'), name: z.string().min(1) }),
]);
/** A group's watched quantity. */
export type Quantity = z.infer<typeof QuantitySchema>;

/** A day: a longer delay is a disabled setpoint in disguise. */
const MAX_DELAY_MS = 86_400_000;

const delayMs = (name: string) =>
  z
    .number({ error: `${name} must be a number of milliseconds` })
    .min(0, { error: (iss) => `${name} must be ≥ 0 ms, got ${String(iss.input)} (a delay cannot be negative)` })
    .max(MAX_DELAY_MS, { error: (iss) => `${name} must be at most ${MAX_DELAY_MS} ms (one day), got ${String(iss.input)}` });

/**
 * A trip-multiply factor. At least 1: API 670 trip multiply raises setpoints to ride through
 * startup resonances; a factor below 1 would silently tighten protection and belongs in its own group.
 */
const factor = (state: OperatingState) =>
  z
    .number({ error: `tripMultiply.${state} must be a number` })
    .min(1, { error: (iss) => `tripMultiply.${state} must be ≥ 1 (API 670 trip multiply raises setpoints), got ${String(iss.input)}` })
    .max(10, { error: (iss) => `tripMultiply.${state} must be ≤ 10, got ${String(iss.input)}` });

/**
 * Alert and danger levels on one quantity, voted over the asset's channels that measure it.
 * Delays are in milliseconds and judged on window timestamps (see protectionV2.ts for why).
 */
export const SetpointGroupSchema = z.object({
  /** Unique within the asset; names the group in every event (e.g. 'velocity', 'bpfo'). */
  id: z.string().min(1).max(64),
  quantity: QuantitySchema,
  /** Levels in the quantity's unit (mm/s for velocityMmS), before trip multiply. */
  alert: z.number({ error: 'alert must be a finite number' }),
  danger: z.number({ error: 'danger must be a finite number' }),
  /** The voted condition must hold this long before the level is taken. */
  onDelayMs: delayMs('onDelayMs'),
  /** The voted condition must be gone this long before the level is released. */
  offDelayMs: delayMs('offDelayMs').default(0),
  /** A level's condition clears only below level − deadband (same unit as the levels), so no chatter. */
  deadband: z.number().min(0, { error: (iss) => `deadband must be ≥ 0, got ${String(iss.input)}` }).default(0),
  voting: z.enum(VOTING_MODES, { error: `voting must be one of ${VOTING_MODES.join(', ')}` }),
  /** The asset's channels measuring this quantity; exactly n of the voting mode. */
  channels: z.array(z.string().min(1)).min(1, { error: 'a group needs at least one channel' }),
  qualityPolicy: z.enum(QUALITY_POLICIES, { error: `qualityPolicy must be one of ${QUALITY_POLICIES.join(', ')}` }),
  /** Whether the asset's trip multiply applies to this group (false for a group that must never be relaxed). */
  tripMultiplied: z.boolean().default(true),
});
/** A parsed setpoint group, defaults filled. */
export type SetpointGroup = z.infer<typeof SetpointGroupSchema>;
/** A setpoint group as written, before defaults. */
export type SetpointGroupInput = z.input<typeof SetpointGroupSchema>;

const RawProtectionConfigSchema = z.object({
  assetId: z.string().min(1).max(128),
  /** Setpoint factor per operating state (API 670 trip multiply); 1 where not given. */
  tripMultiply: z
    .object({ running: factor('running').default(1), startup: factor('startup').default(1), stopped: factor('stopped').default(1) })
    .default({ running: 1, startup: 1, stopped: 1 }),
  groups: z.array(SetpointGroupSchema).min(1, { error: 'a protection config needs at least one setpoint group' }),
});
/** A parsed protection config, defaults filled. */
export type ProtectionConfig = z.infer<typeof RawProtectionConfigSchema>;
/** A protection config as written, before defaults. */
export type ProtectionConfigInput = z.input<typeof RawProtectionConfigSchema>;

function unitOf(q: Quantity): string {
  return q.kind === 'velocityMmS' ? ' mm/s' : '';
}


function unknownFeatureMessage(name: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: editDistance(name, k) })).sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean '${best.k}'?)` : '';
  return `unknown feature '${name}'${hint}; known features: ${known.join(', ')}`;
}

/** Checks that need the whole group, the whole config or the list of known features. */
function checkConfig(cfg: ProtectionConfig, known: readonly string[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  cfg.groups.forEach((g, i) => {
    const at = (key: string) => ['groups', i, key];
    if (seen.has(g.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate group id '${g.id}': events name groups by id` });
    seen.add(g.id);
    const u = unitOf(g.quantity);
    if (g.danger < g.alert) {
      ctx.addIssue({ code: 'custom', path: at('danger'), message: `danger ${g.danger}${u} is below alert ${g.alert}${u}: danger must be at or above alert` });
    }
    if (g.quantity.kind !== 'feature') {
      if (g.alert <= 0) ctx.addIssue({ code: 'custom', path: at('alert'), message: `alert must be > 0${u} for ${g.quantity.kind}, got ${g.alert}` });
      else if (g.deadband >= g.alert) {
        ctx.addIssue({ code: 'custom', path: at('deadband'), message: `deadband ${g.deadband}${u} must be below alert ${g.alert}${u}, or the alert could never clear` });
      }
    }
    if (g.quantity.kind === 'feature' && !known.includes(g.quantity.name)) {
      ctx.addIssue({ code: 'custom', path: [...at('quantity'), 'name'], message: unknownFeatureMessage(g.quantity.name, known) });
    }
    const { n } = VOTE_KN[g.voting];
    const dupes = g.channels.filter((c, j) => g.channels.indexOf(c) !== j);
    if (dupes.length > 0) ctx.addIssue({ code: 'custom', path: at('channels'), message: `channel ${dupes.join(', ')} listed twice: each channel votes once` });
    const count = g.channels.length;
    if (count !== n) {
      const fits = VOTING_MODES.filter((m) => VOTE_KN[m].n === count);
      const instead = fits.length > 0 ? `choose a ${count}-channel mode (${fits.join(' or ')})` : `no mode votes over ${count} channels`;
      const fix = count < n ? `add ${n - count} channel${n - count === 1 ? '' : 's'} or ${instead}` : `${instead} or split the group`;
      ctx.addIssue({
        code: 'custom',
        path: at('voting'),
        message: `voting ${g.voting} needs ${n} channel${n === 1 ? '' : 's'} but the group has ${count} (${g.channels.join(', ')}): ${fix}`,
      });
    }
  });
}

/** The schema, closed over the feature names the caller's feature path can supply. */
export function protectionConfigSchema(knownFeatureNames: readonly string[] = PROTECTION_FEATURE_NAMES) {
  return RawProtectionConfigSchema.superRefine((cfg, ctx) => checkConfig(cfg, knownFeatureNames, ctx));
}

/** A parse result in the `{ok, value | errors}` shape used across process boundaries. */
export type ProtectionConfigResult = { ok: true; value: ProtectionConfig } | { ok: false; errors: string[] };

/** Renders a path such as groups[1].quantity.name as `groups[1] 'velocity'.quantity.name`, naming the group. */
function describePath(path: readonly PropertyKey[], input: unknown): string {
  let out = '';
  path.forEach((p, i) => {
    if (typeof p === 'number') {
      out += `[${p}]`;
      const groups = (input as { groups?: unknown } | null)?.groups;
      const id = i === 1 && path[0] === 'groups' && Array.isArray(groups) ? (groups[p] as { id?: unknown } | undefined)?.id : undefined;
      if (typeof id === 'string') out += ` '${id}'`;
    } else out += `${out ? '.' : ''}${String(p)}`;
  });
  return out || '(root)';
}

/**
 * Parses and validates a protection config. Every field problem is reported, each with where and
 * what to change; the cross-field checks (levels, voting, feature names) run once the fields are well formed.
 */
export function parseProtectionConfig(input: unknown, knownFeatureNames: readonly string[] = PROTECTION_FEATURE_NAMES): ProtectionConfigResult {
  const r = protectionConfigSchema(knownFeatureNames).safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, errors: r.error.issues.map((i) => `${describePath(i.path, input)}: ${i.message}`) };
}
