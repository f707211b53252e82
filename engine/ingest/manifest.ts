import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Reading the shared recordings (shared/data/README.md): a manifest.json beside raw
 * little-endian float32 files. Every failure names the file and the problem, because these files
 * are measurement evidence: a truncated or altered file must stop an evaluation, not skew it.
 */

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/i, 'expected a 64-digit hex SHA-256');
const FileName = z
  .string()
  .min(1)
  .refine((f) => !f.includes('/') && !f.includes('\\') && f !== '.' && f !== '..', 'file must be a bare file name');

/** One CWRU single-channel recording. Unlisted fields are kept (the manifest carries provenance). */
export const CwruRecordingSchema = z.looseObject({
  file: FileName,
  sampling_rate_hz: z.number().positive(),
  num_samples: z.number().int().positive(),
  sha256: Sha256,
  fault_type: z.string().min(1),
  fault_size_inch: z.number().min(0),
  load_hp: z.number().min(0),
  rpm_nominal: z.number().positive(),
  rpm_recorded_in_file: z.number().positive().nullable(),
  derived: z.boolean().optional(),
});
/** A CWRU manifest entry. */
export type CwruRecording = z.infer<typeof CwruRecordingSchema>;

/** One IMS feature trajectory: a row-major float32 matrix, one row per snapshot. */
export const ImsTrajectorySchema = z
  .looseObject({
    file: FileName,
    rows: z.number().int().positive(),
    num_columns: z.number().int().positive(),
    columns: z.array(z.string()),
    timestamps: z.array(z.string()),
    sha256: Sha256,
    shaft_rpm: z.number().positive(),
  })
  .refine((t) => t.columns.length === t.num_columns, { message: 'columns must list num_columns names', path: ['columns'] })
  .refine((t) => t.timestamps.length === t.rows, { message: 'timestamps must have one entry per row', path: ['timestamps'] });
/** An IMS manifest entry. */
export type ImsTrajectory = z.infer<typeof ImsTrajectorySchema>;

/** A CWRU manifest: `recordings[]`. */
export const CwruManifestSchema = z.looseObject({ dataset: z.string(), recordings: z.array(CwruRecordingSchema).min(1) });
/** An IMS manifest: `trajectories[]`. */
export const ImsManifestSchema = z.looseObject({ dataset: z.string(), trajectories: z.array(ImsTrajectorySchema).min(1) });

/** A parsed manifest, tagged by kind so callers need not sniff fields. */
export type Manifest =
  | { kind: 'cwru'; dir: string; dataset: string; recordings: CwruRecording[] }
  | { kind: 'ims'; dir: string; dataset: string; trajectories: ImsTrajectory[] };

/** Any entry that names a float32 file. */
export type ManifestEntry = CwruRecording | ImsTrajectory;

/** Which problem a {@link RecordingError} reports; stable for callers and tests. */
export type RecordingProblem =
  | 'missing_manifest'
  | 'malformed_json'
  | 'invalid_manifest'
  | 'unknown_recording'
  | 'file_not_found'
  | 'truncated'
  | 'sha256_mismatch';

/** A recording or manifest could not be used; `problem` says why, the message says where. */
export class RecordingError extends Error {
  override readonly name = 'RecordingError';
  constructor(
    readonly problem: RecordingProblem,
    message: string,
  ) {
    super(message);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('; ');
}

/** True for a CWRU waveform entry (it has `num_samples`); false for an IMS feature matrix. */
export function isWaveform(entry: ManifestEntry): entry is CwruRecording {
  return typeof (entry as { num_samples?: unknown }).num_samples === 'number';
}

/**
 * Reads and validates `dir/manifest.json`. Throws {@link RecordingError} naming the problem:
 * missing file, malformed JSON, or the first entries and fields that do not fit the schema.
 */
export async function loadManifest(dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RecordingError('missing_manifest', `missing manifest: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecordingError('malformed_json', `malformed JSON in ${path}: ${(error as Error).message}`);
  }
  // The format is chosen by its list key, so errors speak about the right schema.
  const isIms = typeof json === 'object' && json !== null && 'trajectories' in json;
  const invalid = (e: z.ZodError): RecordingError =>
    new RecordingError('invalid_manifest', `invalid ${isIms ? 'IMS' : 'CWRU'} manifest ${path}: ${describeIssues(e)}`);
  if (isIms) {
    const parsed = ImsManifestSchema.safeParse(json);
    if (!parsed.success) throw invalid(parsed.error);
    return { kind: 'ims', dir, dataset: parsed.data.dataset, trajectories: parsed.data.trajectories };
  }
  const parsed = CwruManifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error);
  return { kind: 'cwru', dir, dataset: parsed.data.dataset, recordings: parsed.data.recordings };
}

/** The entry for `file`, or a RecordingError naming the file and the manifest it is not in. */
export function findEntry(manifest: Manifest, file: string): ManifestEntry {
  const entries: ManifestEntry[] = manifest.kind === 'cwru' ? manifest.recordings : manifest.trajectories;
  const hit = entries.find((e) => e.file === file);
  if (!hit) throw new RecordingError('unknown_recording', `unknown recording: '${file}' is not listed in ${join(manifest.dir, 'manifest.json')}`);
  return hit;
}

/** Number of float32 values an entry's file must hold. */
export function expectedValues(entry: ManifestEntry): number {
  return isWaveform(entry) ? entry.num_samples : (entry as ImsTrajectory).rows * (entry as ImsTrajectory).num_columns;
}

/**
 * Loads an entry's float32 file, checking its size and SHA-256 against the manifest before use.
 * Returns a Float32Array over the file's bytes (CWRU: samples; IMS: row-major rows × num_columns).
 */
export async function loadRecording(dir: string, entry: ManifestEntry): Promise<Float32Array> {
  const path = join(dir, entry.file);
  const expected = expectedValues(entry);
  try {
    await stat(path);
  } catch (error) {
    throw new RecordingError('file_not_found', `file not found: ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const buf = await readFile(path);
  if (buf.byteLength !== expected * 4) {
    const what = isWaveform(entry)
      ? `num_samples ${entry.num_samples}`
      : `rows ${(entry as ImsTrajectory).rows} × columns ${(entry as ImsTrajectory).num_columns}`;
    throw new RecordingError(
      'truncated',
      `truncated or oversized file: ${path} has ${buf.byteLength} bytes, manifest ${what} × 4 = ${expected * 4} bytes`,
    );
  }
  const digest = createHash('sha256').update(buf).digest('hex');
  if (digest !== entry.sha256.toLowerCase()) {
    throw new RecordingError('sha256_mismatch', `SHA-256 mismatch for ${path}: file ${digest}, manifest ${entry.sha256}`);
  }
  return toFloat32(buf);
}

/** Little-endian float32 view of a buffer; copies only when alignment or host byte order requires it. */
export function toFloat32(buf: Uint8Array): Float32Array {
  const n = buf.byteLength >>> 2;
  if (endianness() === 'LE' && buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, n);
  const out = new Float32Array(n);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Shaft speed of a CWRU recording in Hz: the rpm measured for the record, else the nominal rpm. */
export function shaftHzOf(entry: CwruRecording): number {
  return (entry.rpm_recorded_in_file ?? entry.rpm_nominal) / 60;
}
