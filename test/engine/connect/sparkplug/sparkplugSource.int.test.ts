import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../../../engine/contract/frame';
import { MOSQUITTO, startMosquitto, type LocalPeer } from '../../../../engine/connect/localPeer';
import type { SourceSink } from '../../../../engine/connect/mqtt/MqttSource';
import { SparkplugSource, type SparkplugChannelMapping, type SparkplugSourceCounters } from '../../../../engine/connect/sparkplug/SparkplugSource';
import { Rng } from '../../../../engine/ingest/rng';
import { floatBytes, TestEdgeNode } from './sparkplugEdgeNode';

/**
 * The Sparkplug B source against a real broker (mosquitto) and a real edge node (an MQTT client
 * publishing sparkplug-payload messages): births, alias-only data, sequence breaks answered by a
 * rebirth NCMD, deaths (explicit and by Last Will), and 1000 garbage payloads all accounted for.
 */

if (!MOSQUITTO) console.warn('sparkplugSource.int.test: skipped, mosquitto is not installed (apt-get install mosquitto)');

const GROUP = 'plant1';
const NODE = 'gw-1';
const DEVICE = 'pump-101-daq';
const T0 = 1_700_000_000_000;
const MAPPINGS: SparkplugChannelMapping[] = [
  { edgeNode: NODE, metric: 'Line/Speed', assetId: 'pump-101', channelId: 'speed' },
  { edgeNode: NODE, device: DEVICE, metric: 'Bearing/Temp', assetId: 'pump-101', channelId: 'temp' },
  { edgeNode: NODE, device: DEVICE, metric: 'Motor/Load', assetId: 'pump-101', channelId: 'load' },
  { edgeNode: NODE, device: DEVICE, metric: 'DE/Accel', assetId: 'pump-101', channelId: 'de_accel', sampleRateHz: 25_600 },
];
const DEVICE_BIRTH = [
  { name: 'Bearing/Temp', alias: 10, type: 'Float' as const, value: 40 },
  { name: 'Motor/Load', alias: 11, type: 'Int32' as const, value: 0 },
  { name: 'DE/Accel', alias: 12, type: 'Bytes' as const, value: new Uint8Array(0) },
  { name: 'Firmware', alias: 13, type: 'String' as const, value: '1.2' },
];

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function broker(): Promise<LocalPeer> {
  const b = await startMosquitto();
  cleanups.push(() => b.stop());
  return b;
}

async function edge(port: number, bdSeq = 0): Promise<TestEdgeNode> {
  const e = await TestEdgeNode.connect(port, GROUP, NODE, bdSeq);
  cleanups.push(() => e.end());
  return e;
}

function recordingSink() {
  const frames: Frame[] = [];
  const values: Array<{ assetId: string; channelId: string; atMs: number; value: number }> = [];
  const sink: SourceSink = { frame: (f) => frames.push(f), vector: () => {}, value: (v) => values.push(v) };
  return { sink, frames, values };
}

async function source(port: number, sink: SourceSink): Promise<SparkplugSource> {
  const s = await SparkplugSource.connect({ url: `mqtt://127.0.0.1:${port}`, groupId: GROUP, mappings: MAPPINGS, sink });
  cleanups.push(() => s.dispose());
  return s;
}

/** Births of the node and its device (seq 0 and 1). */
async function birth(e: TestEdgeNode): Promise<void> {
  await e.nbirth(T0, [{ name: 'Line/Speed', alias: 1, type: 'Double', value: 0 }]);
  await e.dbirth(DEVICE, T0, DEVICE_BIRTH);
}

const zeroCounts = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const messagesBalance = (c: SparkplugSourceCounters) => c.births + c.deaths + c.dataMessages + Object.values(c.rejected).reduce((a, b) => a + b, 0);
const metricsBalance = (c: SparkplugSourceCounters) => c.values + c.frames + c.unmapped + Object.values(c.metricRejected).reduce((a, b) => a + b, 0);
const REBIRTH_NCMD = [{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }];
const ncmdMetrics = (e: TestEdgeNode) => e.commands.map((c) => (c.metrics ?? []).map((m) => ({ name: m.name, type: m.type, value: m.value })));

describe.skipIf(!MOSQUITTO)('SparkplugSource (mosquitto, real edge node)', () => {
  it('given births then alias-only DDATA and named NDATA, then values and a waveform frame arrive with the birth names resolved, and unknown aliases and wrong types are counted', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink);
    const e = await edge(b.port);
    await birth(e);
    const wave = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i / 5));
    await e.ddata(DEVICE, T0 + 100, [{ alias: 10, floatValue: 41.5 }, { alias: 11, intValue: -3, timestamp: T0 + 90 }, { alias: 12, bytesValue: floatBytes(wave) }, { alias: 13, intValue: 1 }, { alias: 99, floatValue: 1 }]);
    await e.ndata(T0 + 200, [{ name: 'Line/Speed', type: 'Double', value: 24.75 }]);
    await e.ddata(DEVICE, T0 + 300, [{ alias: 10, doubleValue: 1 }]);
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(5);
    expect(rec.values).toEqual([
      { assetId: 'pump-101', channelId: 'temp', atMs: T0 + 100, value: 41.5 },
      { assetId: 'pump-101', channelId: 'load', atMs: T0 + 90, value: -3 },
      { assetId: 'pump-101', channelId: 'speed', atMs: T0 + 200, value: 24.75 },
    ]);
    expect(rec.frames).toEqual([{ assetId: 'pump-101', channelId: 'de_accel', startMs: T0 + 100, sampleRateHz: 25_600, samples: wave }]);
    const c = s.counters();
    expect({ ...c, lastMessageAtMs: null }).toEqual({
      connected: true, received: 5, births: 2, deaths: 0, dataMessages: 3, rejected: zeroCounts(['unknown_topic', 'malformed_payload', 'before_birth', 'sequence_break', 'awaiting_rebirth', 'stale_death', 'bad_birth']),
      metrics: 7, values: 3, frames: 1, unmapped: 1, metricRejected: { unknown_alias: 1, unknown_metric: 0, unexpected_type: 1, sink_error: 0 },
      rebirthRequests: 0, rebirthSuppressed: 0, connects: 1, disconnects: 0, reconnectAttempts: 0, lastMessageAtMs: null,
    });
    expect(metricsBalance(c)).toBe(c.metrics);
    expect(s.stale()).toEqual([]);
  });

  it('given a skipped sequence number, then the break is counted, the edge node receives one rebirth NCMD, data is ignored until the new birth, and then flows again', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink);
    const e = await edge(b.port);
    await birth(e);
    await e.ddata(DEVICE, T0 + 1, [{ alias: 10, floatValue: 1 }]); // seq 2
    await e.ddata(DEVICE, T0 + 2, [{ alias: 10, floatValue: 2 }], 4); // seq 3 lost
    await e.ddata(DEVICE, T0 + 3, [{ alias: 10, floatValue: 3 }]); // seq 5: still ignored
    await expect.poll(() => ncmdMetrics(e), { timeout: 5000 }).toEqual([REBIRTH_NCMD]);
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(5);
    expect(s.stale().map((x) => [x.channelId, x.reason])).toEqual([['speed', 'sequence_break'], ['temp', 'sequence_break'], ['load', 'sequence_break'], ['de_accel', 'sequence_break']]);
    await birth(e);
    await e.ddata(DEVICE, T0 + 4, [{ alias: 10, floatValue: 4 }]);
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(8);
    expect(rec.values.map((v) => v.value)).toEqual([1, 4]);
    const c = s.counters();
    expect([c.rejected.sequence_break, c.rejected.awaiting_rebirth, c.rebirthRequests, c.rebirthSuppressed, c.births, c.dataMessages]).toEqual([1, 1, 1, 1, 4, 2]);
    expect(messagesBalance(c)).toBe(c.received);
    expect(s.stale()).toEqual([]);
    expect(e.commands[0]!.metrics![0]!.timestamp).toBeDefined();
  });

  it('given data before any birth, then it is refused and a rebirth is requested (once within the rate limit)', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink);
    const e = await edge(b.port);
    await e.ndata(T0, [{ name: 'Line/Speed', type: 'Double', value: 5 }], 17);
    await e.ddata(DEVICE, T0, [{ alias: 10, floatValue: 5 }]);
    await expect.poll(() => ncmdMetrics(e), { timeout: 5000 }).toEqual([REBIRTH_NCMD]);
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(2);
    const c = s.counters();
    expect([c.rejected.before_birth, c.rebirthRequests, c.rebirthSuppressed, rec.values.length]).toEqual([2, 1, 1, 0]);
  });

  it('given an NDEATH and later a Last Will from a killed socket, then the node\'s channels go stale and nothing more is delivered until the next birth', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink);
    const e = await edge(b.port, 1);
    await birth(e);
    await e.ndeath();
    await e.ddata(DEVICE, T0 + 5, [{ alias: 10, floatValue: 9 }]);
    await expect.poll(() => s.counters().received, { timeout: 5000 }).toBe(4);
    expect(s.stale().map((x) => [x.channelId, x.reason])).toEqual([['speed', 'death'], ['temp', 'death'], ['load', 'death'], ['de_accel', 'death']]);
    expect([s.counters().deaths, s.counters().rejected.awaiting_rebirth, rec.values.length]).toEqual([1, 1, 0]);

    // A new connection (bdSeq 2) is born; then its socket dies and the broker publishes its Last Will.
    const e2 = await edge(b.port, 2);
    await birth(e2);
    await e2.ddata(DEVICE, T0 + 6, [{ alias: 10, floatValue: 7 }]);
    await expect.poll(() => rec.values.length, { timeout: 5000 }).toBe(1);
    expect(s.stale()).toEqual([]);
    e2.killSocket();
    await expect.poll(() => s.stale().length, { timeout: 10_000 }).toBe(4);
    expect(s.counters().deaths).toBe(2);
    expect(messagesBalance(s.counters())).toBe(s.counters().received);
  });

  it('given 1000 garbage payloads on the data topics, then every one is counted, nothing is delivered from them, and after a rebirth data flows again', async () => {
    const b = await broker();
    const rec = recordingSink();
    const s = await source(b.port, rec.sink);
    const e = await edge(b.port);
    await birth(e);
    const rng = new Rng(20261130);
    const types = ['NDATA', 'DDATA', 'DBIRTH', 'NBIRTH', 'DDEATH'];
    for (let i = 0; i < 1000; i++) {
      const bytes = Uint8Array.from({ length: 1 + (rng.nextUint() % 64) }, () => rng.nextUint() & 0xff);
      const type = types[i % types.length]!;
      await e.publishRaw(type, bytes, type.startsWith('D') ? DEVICE : undefined);
    }
    await expect.poll(() => s.counters().received, { timeout: 10_000 }).toBe(1002);
    const c = s.counters();
    expect(messagesBalance(c)).toBe(1002);
    expect(metricsBalance(c)).toBe(c.metrics);
    expect(rec.values.length + rec.frames.length).toBe(0);
    // Seeded, so the split is fixed: most random bytes are not protobuf; some decode, and then fail the birth or sequence rules.
    expect(c.rejected).toEqual({ unknown_topic: 0, malformed_payload: 937, before_birth: 0, sequence_break: 1, awaiting_rebirth: 52, stale_death: 0, bad_birth: 10 });
    expect([c.births, c.deaths, c.dataMessages, c.rebirthRequests]).toEqual([2, 0, 0, 1]);
    await birth(e);
    await e.ddata(DEVICE, T0 + 7, [{ alias: 10, floatValue: 8 }]);
    await expect.poll(() => rec.values, { timeout: 5000 }).toEqual([{ assetId: 'pump-101', channelId: 'temp', atMs: T0 + 7, value: 8 }]);
  });
});
