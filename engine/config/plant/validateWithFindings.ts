import type { z } from 'zod';
import { plantErrorMap, unknownKeyMessage } from './plantMessages';
import type { PlantFinding } from './rawPlant';
import type { ConfigPath } from './yamlSource';

/**
 * A zod parse whose failures come back as plant findings: one per problem, at the path a reader
 * would look at. Two reshapings make that so: an object's unknown keys become one finding per key
 * (each at its own line, with a "did you mean"), and a union the value clearly meant one branch of
 * (a bearing written as an object, a list of outputs) reports that branch's own errors, not
 * "invalid input".
 */
export type Validated<T> = { ok: true; data: T } | { ok: false; findings: PlantFinding[] };

function keyPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.filter((k): k is string | number => typeof k !== 'symbol');
}

/** A branch the value did not even have the shape of: it failed at its root on type or literal. */
function missedShape(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
}

function findingsOf(issue: z.core.$ZodIssue, prefix: ConfigPath, acceptedKeys: WeakMap<object, readonly string[]>): PlantFinding[] {
  const path = [...prefix, ...keyPath(issue.path)];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const meant = issue.errors.filter((b) => !missedShape(b));
    // Several plausible branches: the one with fewest problems is the likeliest intent.
    const best = meant.sort((a, b) => a.length - b.length)[0];
    if (best) return best.flatMap((i) => findingsOf(i, path, acceptedKeys));
  }
  if (issue.code === 'unrecognized_keys') {
    const accepted = (issue.input && acceptedKeys.get(issue.input)) || [];
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, accepted) }));
  }
  return [{ path, message: issue.message }];
}

/** Parses `value` with `schema`, every failure as a finding at a path under `prefix`. */
export function validateWithFindings<S extends z.ZodType>(schema: S, value: unknown, prefix: ConfigPath = []): Validated<z.output<S>> {
  const acceptedKeys = new WeakMap<object, readonly string[]>();
  const r = schema.safeParse(value, { reportInput: true, error: plantErrorMap(acceptedKeys) });
  if (r.success) return { ok: true, data: r.data };
  return { ok: false, findings: r.error.issues.flatMap((i) => findingsOf(i, prefix, acceptedKeys)) };
}
