import type { EngineEvent } from '../contract/events';
import { findEntry, isWaveform, loadManifest, loadRecording } from '../ingest/manifest';
import { openStore } from '../store/openStore';
import { commissionOnNormals, normalRecordings, streamRecording } from './cwruRig';

export interface ReplayCommandOptions {
  data: string;
  file: string;
  /** As fast as possible instead of real-time pace. */
  fast: boolean;
  /** SQLite file for alarms, incidents and trips (default .vigil/replay.sqlite). */
  db?: string;
}

function describe(e: EngineEvent): string | null {
  const t = (ms: number): string => new Date(ms).toISOString().slice(11, 23);
  switch (e.type) {
    case 'AlarmLevelChanged':
      return `${t(e.atMs)} ${e.assetId} ${e.from} → ${e.to} (${e.source} ${e.value.toFixed(3)} ≥ ${e.setpoint}) model ${e.modelVersion}${e.diagnosis ? ` diagnosis ${e.diagnosis.fault}` : ''}`;
    case 'TripRequested':
      return `${t(e.decidedAtMs)} ${e.assetId} TRIP requested (${e.source} ${e.value.toFixed(3)} ≥ ${e.setpoint}) in ${e.latencyUs.toFixed(0)} µs from frame arrival; diagnosis ${e.diagnosis?.fault ?? 'pending'}`;
    case 'QualityChanged':
      return `${t(e.atMs)} ${e.assetId}/${e.channelId} quality ${e.from} → ${e.to}: ${e.reason}`;
    case 'FrameRejected':
      return `frame rejected (${e.reason}): ${e.detail}`;
    default:
      return null;
  }
}

/**
 * `vigil replay`: commissions on the manifest's normal recording(s), then streams one recording
 * live through the engine, printing events as they happen and recording incidents in SQLite.
 */
export async function replayCommand(o: ReplayCommandOptions): Promise<number> {
  const manifest = await loadManifest(o.data);
  if (manifest.kind !== 'cwru') throw new Error(`${o.data}/manifest.json is an IMS feature table; replay streams waveform recordings (CWRU format)`);
  const entry = findEntry(manifest, o.file);
  if (!isWaveform(entry)) throw new Error(`${o.file} is not a waveform recording`);
  const samples = await loadRecording(o.data, entry);
  const { use: normals } = normalRecordings(manifest);
  if (normals.length === 0) throw new Error('the manifest lists no 12 kHz normal recording to commission on');
  const { model, windows } = await commissionOnNormals(o.data, normals);
  console.log(`commissioned on ${windows} normal windows; streaming ${o.file} (${entry.fault_type}, ${(samples.length / entry.sampling_rate_hz).toFixed(2)} s) ${o.fast ? 'as fast as possible' : 'in real time'}`);

  const store = openStore(o.db ?? '.vigil/replay.sqlite');
  try {
    const out = await streamRecording(samples, entry, model, { start: 0, end: samples.length }, {
      store: (op) => store.writer.enqueue(op),
      onEvent: (e) => {
        const line = describe(e);
        if (line) console.log(line);
      },
      pace: o.fast ? 'fast' : 'realtime',
    });
    await store.writer.flush();
    const incidents = store.repo.listIncidents({ limit: 5 }).filter((i) => i.openedMs >= 0);
    console.log(`done: ${out.windows} windows, max score ${out.maxScore.toFixed(2)}, first alarm ${out.firstAlarmS === null ? 'none' : `${out.firstAlarmS.toFixed(3)} s`}, trips ${out.trips}, diagnosis ${out.diagnosis?.fault ?? 'none'}`);
    for (const i of incidents.slice(0, 1)) console.log(`incident ${i.id} stored in ${o.db ?? '.vigil/replay.sqlite'} (model ${i.modelVersion}, trip ${i.tripMs === null ? 'no' : 'yes'})`);
    return 0;
  } finally {
    await store.close();
  }
}
