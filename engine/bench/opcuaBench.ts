import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpcuaBenchServer } from '../connect/opcua/opcuaBenchServer';
import { OpcuaSource } from '../connect/opcua/OpcuaSource';
import { OpcuaTripOutput, type OpcuaTripOutcome } from '../connect/opcua/OpcuaTripOutput';
import { percentile, round } from './stats';

type Metrics = Record<string, number>;

const RATE_HZ = 25_600;
/** 20 ms blocks. */
const BLOCK_SAMPLES = 512;
const BLOCK_MS = (BLOCK_SAMPLES * 1000) / RATE_HZ;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Phase: OPC UA against a real node-opcua server (loopback, in a thread of its own, security
 * mode None). Trips: each of `trips` machines is tripped once, one after another;
 * `opcua.trip_ms` runs from `requestTrip` to the server applying the write of true to the
 * machine's trip variable (timed in the server's thread on process.hrtime, the same clock), and
 * `opcua.verify_ms` to the outcome confirming it by read-back. Source: `channels` waveform
 * variables get a 512-sample block (25.6 kHz) every 20 ms for `sourceSeconds`; `opcua.frame_lag_ms`
 * is from the server setting a block to the source delivering it as a frame (mostly the 50 ms
 * publishing interval), `opcua.frames_lost` the blocks that never arrived.
 */
export async function opcuaBench(m: Metrics, log: (l: string) => void, o: { trips?: number; channels?: number; sourceSeconds?: number } = {}): Promise<void> {
  const trips = o.trips ?? 200;
  const channels = o.channels ?? 4;
  const sourceSeconds = o.sourceSeconds ?? 3;
  const pki = mkdtempSync(join(tmpdir(), 'vigil-opcua-bench-'));
  const server = await startOpcuaBenchServer({ assets: trips, channels, samples: BLOCK_SAMPLES, blockMs: BLOCK_MS });
  const written = new Map<string, bigint>();
  server.onWritten((w) => void (w.value && !written.has(w.assetId) && written.set(w.assetId, w.atNs)));
  const nodes = Object.fromEntries(Array.from({ length: trips }, (_, i) => [`m${i}`, `ns=1;s=m${i}.trip`]));
  const output = new OpcuaTripOutput({ endpointUrl: server.endpointUrl, nodes, name: 'opcua-bench', pkiFolder: join(pki, 'output') });
  let source: OpcuaSource | null = null;
  try {
    await output.whenConnected(20_000);
    const sentNs = new Map<string, bigint>();
    const outcomes: OpcuaTripOutcome[] = [];
    output.onOutcome((x) => outcomes.push(x));
    for (let i = 0; i < trips; i++) {
      const before = outcomes.length;
      sentNs.set(`m${i}`, process.hrtime.bigint());
      output.requestTrip({ assetId: `m${i}`, decidedAtMs: Date.now(), reason: 'benchmark' });
      while (outcomes.length === before) await new Promise((r) => setImmediate(r));
    }
    await sleep(300);
    const toWrite = [...written].map(([assetId, atNs]) => Number(atNs - sentNs.get(assetId)!) / 1e6);
    const verified = outcomes.filter((x) => x.outcome === 'verified').map((x) => x.latencyMs);
    m['opcua.trip_ms.p50'] = round(percentile(toWrite, 50), 2);
    m['opcua.trip_ms.p99'] = round(percentile(toWrite, 99), 2);
    m['opcua.verify_ms.p99'] = round(percentile(verified, 99), 2);
    log(
      `opcua: ${trips} trips to a node-opcua server on loopback: request to written at the server p50 ${percentile(toWrite, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(toWrite, 99).toFixed(2)} ms (${toWrite.length} writes seen there); verified by read-back p50 ${percentile(verified, 50).toFixed(2)} ms, p99 ${percentile(verified, 99).toFixed(2)} ms (${verified.length} of ${trips})`,
    );

    const lagMs: number[] = [];
    let frames = 0;
    source = new OpcuaSource({
      endpointUrl: server.endpointUrl,
      pkiFolder: join(pki, 'source'),
      publishingIntervalMs: 50,
      nodes: Array.from({ length: channels }, (_, c) => ({ kind: 'waveform' as const, nodeId: `ns=1;s=bench.ch${c}`, assetId: 'bench', channelId: `ch${c}`, samplingIntervalMs: 0, sampleRateHz: RATE_HZ, samplesPerFrame: BLOCK_SAMPLES })),
      sink: {
        frame: (f) => {
          frames++;
          lagMs.push(Date.now() - f.startMs);
        },
        vector: () => {},
        value: () => {},
      },
    });
    await source.whenConnected(20_000);
    while (frames < channels) await sleep(10); // the initial blocks
    frames = 0;
    lagMs.length = 0;
    server.pump();
    await sleep(sourceSeconds * 1000);
    const pumped = (await server.stopPump()).reduce((a, b) => a + b, 0);
    await sleep(300);
    m['opcua.frames_per_s'] = round(frames / sourceSeconds, 0);
    m['opcua.frame_lag_ms.p50'] = round(percentile(lagMs, 50), 1);
    m['opcua.frame_lag_ms.p99'] = round(percentile(lagMs, 99), 1);
    m['opcua.frames_lost'] = pumped - frames;
    log(
      `opcua: ${channels} waveform channels × a ${BLOCK_SAMPLES}-sample block every ${BLOCK_MS} ms for ${sourceSeconds} s: ${frames} of ${pumped} blocks delivered as frames, ` +
        `set-at-server to delivered p50 ${percentile(lagMs, 50).toFixed(1)} ms, p99 ${percentile(lagMs, 99).toFixed(1)} ms (publishing interval 50 ms)`,
    );
  } finally {
    await source?.dispose();
    await output.dispose();
    await server.stop();
    rmSync(pki, { recursive: true, force: true });
  }
}
