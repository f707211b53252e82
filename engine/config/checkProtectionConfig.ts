import { parseProtectionConfig, type ProtectionConfig } from '../protect/protectionConfig';

/** What a configuration is checked against, beyond its own schema. */
export interface ConfigCheckContext {
  /** The asset the configuration must be for. */
  assetId: string;
  /** Feature names a group may watch. */
  knownFeatures: readonly string[];
  /** Channels a group may name; undefined skips the check (the engine's own apply is then the judge). */
  knownChannels?: readonly string[];
}

/**
 * Every problem of a protection configuration proposed for an asset: the schema's (levels, delays,
 * voting, features, each naming its group), then whether it is this asset's, then whether every
 * channel exists. Why channels here and not in the schema: the schema is per config, the channel
 * list per asset, and a mistyped channel is a group that never votes, i.e. a machine unprotected.
 */
export function checkProtectionConfig(input: unknown, ctx: ConfigCheckContext): { config: ProtectionConfig | null; errors: string[] } {
  const parsed = parseProtectionConfig(input, ctx.knownFeatures);
  if (!parsed.ok) return { config: null, errors: parsed.errors };
  const config = parsed.value;
  const errors: string[] = [];
  if (config.assetId !== ctx.assetId) errors.push(`assetId: the configuration is for '${config.assetId}', not '${ctx.assetId}'`);
  const known = ctx.knownChannels;
  if (known) {
    config.groups.forEach((g, i) => {
      const unknown = g.channels.filter((c) => !known.includes(c));
      if (unknown.length > 0) {
        const names = unknown.map((c) => `'${c}'`).join(', ');
        errors.push(`groups[${i}] '${g.id}'.channels: unknown channel ${names} on ${ctx.assetId}; known channels: ${[...new Set(known)].join(', ')}`);
      }
    });
  }
  return { config: errors.length === 0 ? config : null, errors };
}
