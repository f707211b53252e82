import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../engine/cli';

/** A tiny CWRU-format data folder made here: one normal and one fault recording, valid hashes. */
function makeDataDir(mutate?: (manifest: { recordings: Array<Record<string, unknown>> }, dir: string) => unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const rate = 12_000;
  const write = (file: string, samples: Float32Array): string => {
    const buf = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    writeFileSync(join(dir, file), buf);
    return createHash('sha256').update(buf).digest('hex');
  };
  let seed = 7;
  const noise = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
  const normal = Float32Array.from({ length: rate * 4 }, (_, i) => 0.05 * Math.sin((2 * Math.PI * 29.95 * i) / rate) + noise());
  const fault = Float32Array.from({ length: rate * 2 }, (_, i) => normal[i]! + (i % 112 < 4 ? 2 * Math.exp(-(i % 112)) : 0));
  const entry = (file: string, fault_type: string, n: number, sha256: string): Record<string, unknown> => ({
    file, fault_type, sampling_rate_hz: rate, num_samples: n, sha256, fault_size_inch: 0, load_hp: 0, rpm_nominal: 1797, rpm_recorded_in_file: 1797,
  });
  const manifest = { dataset: 'synthetic', recordings: [entry('normal.f32', 'normal', normal.length, write('normal.f32', normal)), entry('fault.f32', 'outer_race', fault.length, write('fault.f32', fault))] };
  // A mutation may return the manifest's raw text (to make it malformed).
  const raw = mutate?.(manifest, dir);
  writeFileSync(join(dir, 'manifest.json'), typeof raw === 'string' ? raw : JSON.stringify(manifest));
  return dir;
}

let errors: string[] = [];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterEach(() => vi.restoreAllMocks());

describe('vigil CLI: bad input gets a clear message and a non-zero exit, and writes nothing', () => {
  const out = (): string => join(mkdtempSync(join(tmpdir(), 'vigil-out-')), 'report.json');
  const cases: Array<{ name: string; args: (dir: string, o: string) => string[]; mutate?: Parameters<typeof makeDataDir>[0]; code: number; message: RegExp }> = [
    { name: 'no command', args: () => [], code: 2, message: /^$/ },
    { name: 'unknown command', args: () => ['frobnicate'], code: 2, message: /unknown command 'frobnicate'/ },
    { name: 'unknown dataset', args: (d, o) => ['evaluate', 'xyz', '--data', d, '--out', o], code: 2, message: /unknown dataset 'xyz'/ },
    { name: 'missing --out', args: (d) => ['evaluate', 'cwru', '--data', d], code: 2, message: /missing --out/ },
    { name: 'unknown option', args: (d, o) => ['evaluate', 'cwru', '--data', d, '--out', o, '--fast'], code: 2, message: /Unknown option '--fast'/ },
    { name: 'invalid number', args: () => ['serve', '--port', 'abc'], code: 2, message: /--port must be a non-negative number/ },
    { name: 'missing data folder', args: (_d, o) => ['evaluate', 'cwru', '--data', '/nonexistent/vigil', '--out', o], code: 1, message: /missing manifest/ },
    { name: 'malformed manifest JSON', args: (d, o) => ['evaluate', 'cwru', '--data', d, '--out', o], mutate: () => '{ not json', code: 1, message: /malformed JSON/ },
    { name: 'manifest entry missing a field', args: (d, o) => ['evaluate', 'cwru', '--data', d, '--out', o], mutate: (m) => void delete m.recordings[1]!.sha256, code: 1, message: /invalid CWRU manifest.*sha256/ },
    { name: 'truncated .f32', args: (d, o) => ['evaluate', 'cwru', '--data', d, '--out', o], mutate: (m) => void (m.recordings[1]!.num_samples = 24_001), code: 1, message: /truncated/ },
    { name: 'SHA-256 mismatch', args: (d, o) => ['evaluate', 'cwru', '--data', d, '--out', o], mutate: (m) => void (m.recordings[0]!.sha256 = '0'.repeat(64)), code: 1, message: /SHA-256 mismatch/ },
    { name: 'listed file missing', args: (d, o) => ['evaluate', 'cwru', '--data', d, '--out', o], mutate: (m) => void (m.recordings[1]!.file = 'gone.f32'), code: 1, message: /file not found/ },
    { name: 'CWRU data given to evaluate ims', args: (d, o) => ['evaluate', 'ims', '--data', d, '--out', o], code: 1, message: /CWRU manifest, not IMS/ },
    { name: 'replay of an unlisted recording', args: (d) => ['replay', '--data', d, '--file', 'nope.f32', '--fast', '--db', join(d, 'r.sqlite')], code: 1, message: /unknown recording: 'nope.f32'/ },
  ];
  for (const c of cases) {
    it(`${c.name} → exit ${c.code}`, async () => {
      const dir = makeDataDir(c.mutate);
      const o = out();
      const code = await main(c.args(dir, o));
      expect(code).toBe(c.code);
      expect(errors.join('\n')).toMatch(c.message);
      expect(existsSync(o)).toBe(false);
      expect(existsSync(join(dir, 'r.sqlite'))).toBe(false);
    });
  }

  it('a replay whose recording fails its check leaves the existing database untouched', async () => {
    const dir = makeDataDir();
    const db = join(dir, 'r.sqlite');
    expect(await main(['replay', '--data', dir, '--file', 'fault.f32', '--fast', '--db', db])).toBe(0);
    const count = (): number => {
      const c = new Database(db, { readonly: true });
      try {
        return (c.prepare('SELECT (SELECT count(*) FROM incidents) + (SELECT count(*) FROM alarm_events) + (SELECT count(*) FROM model_versions) AS n').get() as { n: number }).n;
      } finally {
        c.close();
      }
    };
    const before = count();
    expect(before).toBeGreaterThan(0);
    writeFileSync(join(dir, 'fault.f32'), Buffer.alloc(100));
    expect(await main(['replay', '--data', dir, '--file', 'fault.f32', '--fast', '--db', db])).toBe(1);
    expect(errors.join('\n')).toMatch(/truncated/);
    expect(count()).toBe(before);
  });
});
