import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../../engine/actuate/actuator';
import type { Frame } from '../../../../engine/contract/frame';
import { MOSQUITTO, startMosquitto, type LocalPeer } from '../../../../engine/connect/localPeer';
import { encodeWave, FRAME_HEADER_BYTES } from '../../../../engine/connect/mqtt/frameCodec';
import { MqttSource, SOURCE_REJECTS, type SourceSink } from '../../../../engine/connect/mqtt/MqttSource';
import { valueTopic, waveTopic } from '../../../../engine/connect/mqtt/topics';
import { Engine, type VectorSample } from '../../../../engine/engine';
import { DEMO_CHANNEL_ID, DEMO_SAMPLE_RATE_HZ, demoAssetConfig, demoMachines } from '../../../../engine/ingest/demoMachines';
import { Rng } from '../../../../engine/ingest/rng';

/**
 * The MQTT source against a real broker (mosquitto on a loopback port): frames and values in,
 * sequence gaps and duplicates counted, and every one of 10 000 malformed or random payloads
 * accounted for while a real engine keeps running.
 */

const SITE = 'plant1';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(): Promise<LocalPeer> {
  const b = await startMosquitto();
  cleanups.push(() => b.stop());
  return b;
}

async function publisher(port: number): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId: `pub-${Math.random()}` });
  cleanups.push(() => c.endAsync());
  return c;
}

function recordingSink() {
  const frames: Frame[] = [];
  const vectors: VectorSample[] = [];
  const values: Array<{ assetId: string; channelId: string; atMs: number; value: number }> = [];
  const sink: SourceSink = { frame: (f) => frames.push(f), vector: (v) => vectors.push(v), value: (v) => values.push(v) };
  return { sink, frames, vectors, values };
}

async function source(port: number, sink: SourceSink, vectorFeatures?: (assetId: string, channelId: string) => readonly string[] | null): Promise<MqttSource> {
  const s = await MqttSource.connect({ url: `mqtt://127.0.0.1:${port}`, site: SITE, sink, ...(vectorFeatures ? { vectorFeatures } : {}) });
  cleanups.push(() => s.dispose());
  // The subscription is acknowledged shortly after the connection.
  await new Promise((r) => setTimeout(r, 200));
  return s;
}

const samplesOf = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((i + k) / 7));

describe.skipIf(!MOSQUITTO)('MqttSource (mosquitto)', () => {
  it('given a source that follows chosen assets (scale-out), then only their data arrives, and after unfollow none of it does', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = MqttSource.start({ url: `mqtt://127.0.0.1:${b.port}`, site: SITE, sink: rec.sink, subscribe: 'assets' });
    cleanups.push(() => s.dispose());
    await expect.poll(() => s.counters().connected, { timeout: 5000 }).toBe(true);
    s.follow('pump-101');
    await new Promise((r) => setTimeout(r, 200));
    const pub = await publisher(b.port);
    const frame = (seq: number) => encodeWave({ seq, startMs: 1_000 + seq * 10, sampleRateHz: 25_600, samples: samplesOf(256, seq) });
    await pub.publishAsync(waveTopic(SITE, 'pump-101', DEMO_CHANNEL_ID), frame(0), { qos: 1 });
    await pub.publishAsync(waveTopic(SITE, 'fan-201', DEMO_CHANNEL_ID), frame(0), { qos: 1 });
    await pub.publishAsync(valueTopic(SITE, 'pump-101', 'speed'), JSON.stringify({ t: 1_000, v: 24.75 }), { qos: 1 });
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(2);
    expect(rec.frames.map((f) => f.assetId)).toEqual(['pump-101']);
    expect(rec.values).toEqual([{ assetId: 'pump-101', channelId: 'speed', atMs: 1_000, value: 24.75 }]);

    s.unfollow('pump-101');
    await new Promise((r) => setTimeout(r, 200));
    await pub.publishAsync(waveTopic(SITE, 'pump-101', DEMO_CHANNEL_ID), frame(1), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.counters()).toMatchObject({ received: 2, frames: 1, values: 1 });
  });

  it('given frames with a gap and a repeat, then the frames arrive whole and in order, the gap and the duplicate are counted, and the duplicate is not delivered', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink);
    const pub = await publisher(b.port);
    const topic = waveTopic(SITE, 'pump-101', DEMO_CHANNEL_ID);
    const sent = [0, 1, 2, 3, 4, 5, 5, 6, 8, 9];
    for (const seq of sent) await pub.publishAsync(topic, encodeWave({ seq, startMs: 1_000 + seq * 10, sampleRateHz: 25_600, samples: samplesOf(256, seq), ...(seq === 9 ? { shaftHz: 24.75 } : {}) }), { qos: 1 });
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(sent.length);
    expect(rec.frames.map((f) => f.startMs)).toEqual([1000, 1010, 1020, 1030, 1040, 1050, 1060, 1080, 1090]);
    expect(rec.frames[3]).toEqual({ assetId: 'pump-101', channelId: DEMO_CHANNEL_ID, startMs: 1030, sampleRateHz: 25_600, samples: samplesOf(256, 3) });
    expect(rec.frames[8]!.shaftHz).toBe(24.75);
    const c = s.counters();
    expect(c.sequence).toEqual({ frames: 9, gaps: 1, missing: 1, duplicates: 1, restarts: 0 });
    expect(c.frames).toBe(9);
    expect(c.rejected.duplicate).toBe(1);
  });

  it('given slow values and feature snapshots as JSON, then values and vectors arrive in the model\'s feature order, and bad JSON is counted', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink, (assetId, channelId) => (assetId === 'press-7' && channelId === 'f' ? ['rms', 'kurtosis', 'temp'] : null));
    const pub = await publisher(b.port);
    await pub.publishAsync(valueTopic(SITE, 'pump-101', 'speed'), JSON.stringify({ t: 5000, v: 24.6 }), { qos: 1 });
    await pub.publishAsync(valueTopic(SITE, 'press-7', 'f'), JSON.stringify({ t: 5001, features: { temp: 41.5, rms: 0.25, kurtosis: 3.5 } }), { qos: 1 });
    await pub.publishAsync(valueTopic(SITE, 'press-7', 'g'), JSON.stringify({ t: 5002, features: { rms: 1 } }), { qos: 1 });
    await pub.publishAsync(valueTopic(SITE, 'pump-101', 'speed'), '{"t": 5003, "v": ', { qos: 1 });
    await pub.publishAsync(valueTopic(SITE, 'pump-101', 'speed'), JSON.stringify({ t: 5004, v: 'fast' }), { qos: 1 });
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(5);
    expect(rec.values).toEqual([{ assetId: 'pump-101', channelId: 'speed', atMs: 5000, value: 24.6 }]);
    expect(rec.vectors).toEqual([{ assetId: 'press-7', channelId: 'f', atMs: 5001, values: Float32Array.from([0.25, 3.5, 41.5]) }]);
    expect(s.counters().rejected).toMatchObject({ unknown_vector_channel: 1, bad_json: 1, bad_value: 1 });
  });

  it('given the broker goes away, then the source says so, retries less and less often, and takes frames again once the broker is back on its port', async () => {
    const b = await startMosquitto();
    let current: LocalPeer = b;
    cleanups.push(() => current.stop());
    const rec = recordingSink();
    const s = await MqttSource.connect({ url: `mqtt://127.0.0.1:${b.port}`, site: SITE, sink: rec.sink, reconnectMs: 100, maxReconnectMs: 800 });
    cleanups.push(() => s.dispose());
    await new Promise((r) => setTimeout(r, 200));
    const send = async (seq: number): Promise<void> => {
      const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${current.port}`, { protocolVersion: 5, reconnectPeriod: 0 });
      await pub.publishAsync(waveTopic(SITE, 'pump-101', DEMO_CHANNEL_ID), encodeWave({ seq, startMs: 1000 + seq, sampleRateHz: 25_600, samples: samplesOf(64, seq) }), { qos: 1 });
      await pub.endAsync();
    };
    await send(1);
    await expect.poll(() => rec.frames.length, { timeout: 5000 }).toBe(1);

    await b.kill();
    await expect.poll(() => s.counters().connected, { timeout: 5000 }).toBe(false);
    const attemptsBefore = s.counters().reconnectAttempts;
    await new Promise((r) => setTimeout(r, 3000));
    const attempts = s.counters().reconnectAttempts - attemptsBefore;
    // 100 ms doubling to 800 ms: about 6 attempts in 3 s, not the 30 a fixed 100 ms would make.
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(9);

    current = await startMosquitto({ port: b.port });
    await expect.poll(() => s.counters().connected, { timeout: 5000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    await send(2);
    await expect.poll(() => rec.frames.length, { timeout: 5000 }).toBe(2);
    expect(s.counters()).toMatchObject({ connects: 2, disconnects: 1 });
  }, 30_000);

  it('given 10 000 random and malformed payloads among good frames, then the engine keeps running and every payload is accounted for, by the source or by ingest', async () => {
    const b = await broker();
    const spec = demoMachines(1)[0]!;
    const actuator = new RecordingActuator(() => Date.now());
    const engine = await Engine.create({ assets: [demoAssetConfig(spec)], clock: () => Date.now(), actuator });
    cleanups.push(() => engine.dispose());
    const delivered = { frames: 0, vectors: 0, values: 0 };
    const sink: SourceSink = {
      frame: (f) => {
        delivered.frames++;
        engine.accept(f);
      },
      vector: (v) => {
        delivered.vectors++;
        engine.acceptVector(v);
      },
      value: () => void delivered.values++,
    };
    const s = await source(b.port, sink);
    const pub = await publisher(b.port);
    const rng = new Rng(20261129);
    const pick = <T>(xs: readonly T[]): T => xs[rng.nextUint() % xs.length]!;
    const good = waveTopic(SITE, spec.assetId, DEMO_CHANNEL_ID);
    let seq = 0;
    let t = Date.now();
    const frame = (o: Partial<{ rate: number; samples: Float32Array }> = {}): Buffer => {
      seq += 1;
      t += 80;
      return encodeWave({ seq, startMs: t, sampleRateHz: o.rate ?? DEMO_SAMPLE_RATE_HZ, samples: o.samples ?? samplesOf(1024, seq) });
    };
    let lastGood = frame();
    const kinds = [
      () => [good, (lastGood = frame())] as const,
      () => [good, lastGood] as const,
      () => [good, Buffer.from(Array.from({ length: rng.nextUint() % 200 }, () => rng.nextUint() & 255))] as const,
      () => [good, frame().subarray(0, FRAME_HEADER_BYTES + (rng.nextUint() % 4000))] as const,
      () => [good, Buffer.concat([frame(), Buffer.from([1, 2, 3])])] as const,
      () => [good, frame({ samples: Float32Array.from({ length: 1024 }, (_, i) => (i === 500 ? Number.NaN : 0.1)) })] as const,
      () => [good, frame({ rate: 48_000 })] as const,
      () => [waveTopic(SITE, 'no-such-machine', DEMO_CHANNEL_ID), frame()] as const,
      () => [waveTopic(SITE, spec.assetId, 'no_such_channel'), frame()] as const,
      () => [valueTopic(SITE, spec.assetId, 'speed'), Buffer.from(pick(['{', '[]', 'null', '{"t":1}', '{"t":"x","v":2}', JSON.stringify({ t: t, v: 24.5 })]))] as const,
      () => [`vigil/v1/${SITE}/${spec.assetId}/x/wave`, Buffer.from(Array.from({ length: 40 }, () => rng.nextUint() & 255))] as const,
    ];
    const published = 10_000;
    for (let i = 0; i < published; i += 500) {
      await Promise.all(Array.from({ length: 500 }, () => {
        const [topic, payload] = pick(kinds)();
        return pub.publishAsync(topic, payload, { qos: 1 });
      }));
    }
    await expect.poll(() => s.counters().received, { timeout: 20_000 }).toBe(published);
    const c = s.counters();
    const rejectedBySource = SOURCE_REJECTS.reduce((n, r) => n + c.rejected[r], 0);
    expect(c.frames + c.vectors + c.values + rejectedBySource).toBe(published);
    expect(delivered).toEqual({ frames: c.frames, vectors: c.vectors, values: c.values });
    // What the source delivered, ingest accepted or counted under a reason.
    const ingest = engine.ingest.counters();
    const ingestRejected = Object.values(ingest.rejected).reduce((n, v) => n + v, 0);
    expect(ingest.frames + ingestRejected).toBe(c.frames);
    expect(ingest.rejected.unknown_asset).toBeGreaterThan(0);
    expect(ingest.rejected.unknown_channel).toBeGreaterThan(0);
    expect(ingest.rejected.non_finite).toBeGreaterThan(0);
    expect(ingest.rejected.sample_rate_changed).toBeGreaterThan(0);
    expect(ingest.frames).toBeGreaterThan(500);
    expect(c.rejected.duplicate).toBeGreaterThan(0);
    expect(c.rejected.length_mismatch + c.rejected.too_short + c.rejected.bad_magic).toBeGreaterThan(0);
    expect(engine.errorCount).toBe(0);
    expect(actuator.trips()).toEqual([]);
  }, 90_000);
});
