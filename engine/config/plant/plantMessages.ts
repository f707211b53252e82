import { z } from 'zod';
import { editDistance } from '../../util/editDistance';

/**
 * The words of plant configuration errors. A plant file is written by hand at commissioning, often by
 * someone who has never read a zod message, so every message says what was expected and what the
 * file holds, in the file's own terms (a list, an object, an empty value), never JavaScript's.
 */

/** A value as an error message shows it: short, quoted when text, and in YAML words. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}


/**
 * The closest of `known` to `name`, when close enough to be a typo (a third of the name, at least 2
 * edits; case differences count as one) or when `name` is a known key without its unit suffix
 * (`staleAfter` for `staleAfterMs`): a hint is only worth printing when it is probably right.
 */
export function closest(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const extended = known.filter((k) => lower.length >= 4 && k.toLowerCase().startsWith(lower)).sort((a, b) => a.length - b.length)[0];
  if (extended) return extended;
  let best: { k: string; d: number } | null = null;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 1 : editDistance(name, k);
    if (!best || d < best.d) best = { k, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.k : null;
}

/** `'a', 'b' or 'c'`: a short list of choices. */
export function choices(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

/** Keys a file must never carry, with what to write instead. */
const FORBIDDEN_KEY_HINTS: Readonly<Record<string, string>> = {
  password: 'a plant file is not a secret store: put the password in an environment variable and name it in passwordEnv',
};

/** Why `key` is not accepted where `known` keys are: a typo hint, or the accepted keys. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const forbidden = FORBIDDEN_KEY_HINTS[key];
  if (forbidden) return `unknown key '${key}': ${forbidden}`;
  const near = closest(key, known);
  if (near) return `unknown key '${key}' (did you mean '${near}'?)`;
  return known.length > 0 ? `unknown key '${key}'; allowed here: ${known.join(', ')}` : `unknown key '${key}'`;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
};

function bound(origin: string, limit: number | bigint, inclusive: boolean | undefined, below: boolean): string {
  const n = Number(limit);
  if (origin === 'string') return below ? (n <= 1 ? 'non-empty text' : `text of at least ${n} characters`) : `text of at most ${n} characters`;
  if (origin === 'array') return below ? `at least ${n} item${n === 1 ? '' : 's'}` : `at most ${n} item${n === 1 ? '' : 's'}`;
  if (below && n === 0 && !inclusive) return 'a positive number';
  return `a number ${below ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<'} ${n}`;
}

function sizeOf(v: unknown): string {
  if (typeof v === 'string') return `${v.length} character${v.length === 1 ? '' : 's'}`;
  if (Array.isArray(v)) return `${v.length} item${v.length === 1 ? '' : 's'}`;
  return describeValue(v);
}

/**
 * A zod error map for one parse of a plant file: every default message rewritten as "expected …,
 * got …" (a schema's own message still wins, zod asks a schema first). Unknown keys need the
 * object's accepted keys for a "did you mean", which the final issue no longer carries, so they are
 * noted in `acceptedKeys` against the offending object.
 */
export function plantErrorMap(acceptedKeys: WeakMap<object, readonly string[]>): z.core.$ZodErrorMap {
  return (iss) => {
    switch (iss.code) {
      case 'invalid_type':
        if (iss.input === undefined) return 'missing required field';
        return `expected ${TYPE_WORDS[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
      case 'too_small':
        if (iss.origin === 'string' && iss.input === '') return 'expected non-empty text, got an empty one';
        return `expected ${bound(iss.origin, iss.minimum, iss.inclusive, true)}, got ${sizeOf(iss.input)}`;
      case 'too_big':
        return `expected ${bound(iss.origin, iss.maximum, iss.inclusive, false)}, got ${sizeOf(iss.input)}`;
      case 'invalid_value':
        return `expected ${iss.values.length === 1 ? choices(iss.values) : `one of ${choices(iss.values)}`}, got ${describeValue(iss.input)}`;
      case 'not_multiple_of':
        return `expected a multiple of ${iss.divisor}, got ${describeValue(iss.input)}`;
      case 'invalid_format':
        return `expected ${iss.format}, got ${describeValue(iss.input)}`;
      case 'unrecognized_keys':
        if (iss.inst instanceof z.ZodObject && typeof iss.input === 'object' && iss.input !== null) acceptedKeys.set(iss.input, Object.keys(iss.inst.shape));
        return 'unknown key';
      case 'invalid_union': {
        if (iss.discriminator === undefined || typeof iss.input !== 'object' || iss.input === null) return undefined;
        const value = (iss.input as Record<string, unknown>)[iss.discriminator];
        const options = 'options' in iss && Array.isArray(iss.options) ? iss.options : [];
        return value === undefined ? `missing required field: one of ${choices(options)}` : `expected one of ${choices(options)}, got ${describeValue(value)}`;
      }
      default:
        return undefined;
    }
  };
}
