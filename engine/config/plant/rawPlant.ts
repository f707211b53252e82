import { closest } from './plantMessages';
import type { ConfigPath } from './yamlSource';

/**
 * Tolerant access to a plant file's raw value, for the cross-field rules: they run beside the
 * schema, on data that may be malformed anywhere, so every accessor answers "nothing here" rather
 * than throwing, and the malformed part is left to the schema's own error.
 */

/** One rule broken, at a path of the file. */
export interface PlantFinding {
  path: ConfigPath;
  message: string;
}

/** The line a path is written on: how a message names the other place involved. */
export type LineOf = (path: ConfigPath) => number;

/** A raw object's fields, or null for anything else. */
export function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A raw list, or an empty one for anything else. */
export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A raw string, or null. */
export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** `unknown source 'x' (did you mean 'y'?)`, or `unknown source 'x'; sources: a, b` naming the known ones. */
export function unknownRef(what: string, name: string, known: readonly string[], listName: string): string {
  const near = closest(name, known);
  if (near) return `unknown ${what} '${name}' (did you mean '${near}'?)`;
  return known.length > 0 ? `unknown ${what} '${name}'; ${listName}: ${known.join(', ')}` : `unknown ${what} '${name}'`;
}

/** A source as the rules see it. */
export interface SourceRef {
  index: number;
  kind: string | null;
}

/** An asset as the rules see it. */
export interface AssetRef {
  index: number;
  /** Waveform channels by id: where each is written, its source and rate. */
  channels: Map<string, { path: ConfigPath; source: string | null; sampleRateHz: unknown }>;
}

