import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';

/**
 * A YAML (or JSON) text read for validation: its plain value, and where each part of it is written,
 * so a schema error found on the value can name the line of the text. The value and the positions
 * come from one parse (the `yaml` Document API), so they always agree.
 */

/** A path into the configuration, as zod reports it: keys and list indices. */
export type ConfigPath = readonly (string | number)[];

/** A 1-based position in the text. */
export interface TextPosition {
  line: number;
  column: number;
}

/** A problem found while reading the text itself, with its position. */
export interface YamlProblem extends TextPosition {
  path: ConfigPath;
  message: string;
}

/** A parsed text: its value, its syntax and duplicate-key problems, and a way back to positions. */
export interface YamlSource {
  /** The document as plain data (a later duplicate key wins, as in JSON.parse). */
  value: unknown;
  /** The first syntax error, if any: then `value` is not what the author meant and is not validated. */
  syntaxError: YamlProblem | null;
  /** Keys written twice in one object, each at its second occurrence, naming the first. */
  duplicateKeys: YamlProblem[];
  /**
   * Where `path` is written: a mapping entry at its key, a list item at its start. A path that is not
   * written (a missing key) is placed at its nearest written parent, which is the object that lacks it.
   */
  locate(path: ConfigPath): TextPosition;
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  return null;
}

/** `[a, 0, b]` as `a[0].b`; keys that are not plain words are quoted (`bearings["SKF 6309"]`). */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** What usually causes a parser error whose own words do not say: misaligned keys, above all. */
const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation below: the keys of one object must line up',
  MULTILINE_IMPLICIT_KEY: 'check the indentation below: the keys of one object must line up',
};

/**
 * Parses `text` as one YAML document. Duplicate keys are not left to the parser (whose error says
 * only "Map keys must be unique" and counts as a syntax error): they are found here, each naming the
 * line of the first occurrence, and the document is still validated, the last value winning.
 */
export function readYaml(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): TextPosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  // The parser's recovery after a syntax error is guesswork: one tab can raise a handful of errors
  // down the file. So only the first is reported (as yamllint and ESLint report a parse error), with
  // a note of how many later lines the parser also complained about.
  const [first, ...rest] = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0]);
  let syntaxError: YamlProblem | null = null;
  if (first) {
    const pos = at(first.pos[0]);
    const hint = SYNTAX_HINTS[first.code];
    const later = new Set(rest.map((e) => at(e.pos[0]).line).filter((line) => line !== pos.line)).size;
    const more = later > 0 ? `; errors the parser finds on ${later} later line${later === 1 ? '' : 's'} may follow from this one` : '';
    syntaxError = { ...pos, path: [], message: `YAML syntax: ${first.message}${hint ? ` (${hint})` : ''}${more}` };
  }
  return {
    value: syntaxError ? undefined : doc.toJS(),
    syntaxError,
    duplicateKeys: syntaxError ? [] : findDuplicateKeys(doc, at),
    locate: (path) => locate(doc, path, at),
  };
}

function startOf(node: unknown): number | null {
  return node && typeof node === 'object' && 'range' in node && Array.isArray(node.range) ? (node.range[0] as number) : null;
}

function locate(doc: Document, path: ConfigPath, at: (offset: number) => TextPosition): TextPosition {
  let node: unknown = doc.contents;
  const rootStart = startOf(node);
  let anchor: TextPosition = rootStart === null ? { line: 1, column: 1 } : at(rootStart);
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      // The last entry for a key is the one the value holds (duplicates are reported separately).
      const pair = node.items.findLast((p) => keyText(p.key) === String(seg));
      const keyStart = pair ? startOf(pair.key) : null;
      if (!pair || keyStart === null) return anchor;
      anchor = at(keyStart);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      const itemStart = startOf(item);
      if (itemStart === null) return anchor;
      anchor = at(itemStart);
      node = item;
    } else {
      return anchor;
    }
  }
  return anchor;
}

function findDuplicateKeys(doc: Document, at: (offset: number) => TextPosition): YamlProblem[] {
  const problems: YamlProblem[] = [];
  const walk = (node: unknown, path: ConfigPath): void => {
    if (isMap(node)) {
      const first = new Map<string, TextPosition>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const start = startOf(pair.key);
        if (key !== null && start !== null) {
          const pos = at(start);
          const earlier = first.get(key);
          if (earlier) problems.push({ ...pos, path: [...path, key], message: `duplicate key '${key}': already set on line ${earlier.line} (a key may appear once in an object)` });
          else first.set(key, pos);
        }
        walk(pair.value, key === null ? path : [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item as YamlNode, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return problems;
}
