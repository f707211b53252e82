import mqtt from 'mqtt';
import { parentPort, workerData } from 'node:worker_threads';
import { encodeWave } from '../connect/mqtt/frameCodec';
import { waveTopic } from '../connect/mqtt/topics';

/** What the MQTT benchmark's publisher is told at start. */
export interface MqttLoadData {
  url: string;
  site: string;
  channels: Array<{ assetId: string; channelId: string }>;
  sampleRateHz: number;
  frameSamples: number;
}

/** Main → publisher: make one channel loud (a fault far past danger) or quiet again. */
export type ToLoad = { kind: 'loud'; assetId: string; channelId: string } | { kind: 'quiet' } | { kind: 'stop' };
/**
 * Publisher → main: each loud frame, with the end of its last sample (engine clock: a window that
 * it completes ends there) and when it was published (process.hrtime, ns); and counts.
 */
export type FromLoad = { kind: 'loud'; assetId: string; endMs: number; publishedNs: bigint } | { kind: 'stats'; published: number; behindMs: number } | { kind: 'stopped' };

/**
 * The MQTT benchmark's sensor gateway, in a thread of its own: every channel publishes one frame
 * per frame period in real time (QoS 0, the binary wave payload), catching up if the thread was
 * late rather than drifting. Quiet channels carry a 0.05 g, 50 Hz tone with noise; a loud one a
 * 20 g tone, far past any velocity danger level.
 */
const port = parentPort!;
const d = workerData as MqttLoadData;
const client = mqtt.connect(d.url, { protocolVersion: 5, clientId: `vigil-bench-load-${process.pid}`, reconnectPeriod: 0 });
const periodMs = (1000 * d.frameSamples) / d.sampleRateHz;
const topics = d.channels.map((c) => waveTopic(d.site, c.assetId, c.channelId));
let loud: { index: number } | null = null;
let published = 0;
let behindMs = 0;
let n = 0;
let t0 = 0;
let wallT0 = 0;
let timer: ReturnType<typeof setInterval> | null = null;
let phase = 0;

function samples(isLoud: boolean, frame: number): Float32Array {
  const out = new Float32Array(d.frameSamples);
  const amplitude = isLoud ? 20 : 0.05;
  const w = (2 * Math.PI * 50) / d.sampleRateHz;
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin(w * (frame * d.frameSamples + i) + phase) + 0.01 * (Math.random() - 0.5);
  return out;
}

function tick(): void {
  const due = Math.floor((performance.now() - t0) / periodMs);
  behindMs = Math.max(behindMs, (due - n) * periodMs);
  for (; n <= due; n++) {
    const startMs = wallT0 + n * periodMs;
    for (let c = 0; c < topics.length; c++) {
      const isLoud = loud !== null && loud.index === c;
      client.publish(topics[c]!, encodeWave({ seq: n, startMs, sampleRateHz: d.sampleRateHz, samples: samples(isLoud, n) }), { qos: 0 });
      if (isLoud) port.postMessage({ kind: 'loud', assetId: d.channels[c]!.assetId, endMs: startMs + periodMs, publishedNs: process.hrtime.bigint() } satisfies FromLoad);
      published++;
    }
  }
}

client.on('connect', () => {
  // A frame goes out when published, not when Nagle's algorithm has gathered more.
  (client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined)?.setNoDelay?.(true);
  t0 = performance.now();
  wallT0 = Date.now();
  timer = setInterval(tick, periodMs / 2);
  setInterval(() => {
    port.postMessage({ kind: 'stats', published, behindMs } satisfies FromLoad);
    behindMs = 0;
  }, 1000).unref();
});
port.on('message', (m: ToLoad) => {
  if (m.kind === 'loud') loud = { index: d.channels.findIndex((c) => c.assetId === m.assetId && c.channelId === m.channelId) };
  else if (m.kind === 'quiet') {
    loud = null;
    phase += 1;
  } else {
    if (timer) clearInterval(timer);
    client.end(true, {}, () => {
      port.postMessage({ kind: 'stopped' } satisfies FromLoad);
      process.exit(0);
    });
  }
});
