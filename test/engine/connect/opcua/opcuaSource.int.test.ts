import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Frame } from '../../../../engine/contract/frame';
import { freePort } from '../../../../engine/connect/localPeer';
import type { SourceSink } from '../../../../engine/connect/mqtt/MqttSource';
import { OPCUA_SOURCE_REJECTS } from '../../../../engine/connect/opcua/decodeOpcuaSample';
import { OpcuaSource, type OpcuaSourceCounters, type OpcuaSourceNode, type OpcuaSourceOptions } from '../../../../engine/connect/opcua/OpcuaSource';
import { blockSamples, INITIAL_SOURCE_MS, LeakCheck, PlantServer, sleep, waitFor, type TestStatus } from './opcuaTestKit';

/**
 * The OPC UA source against a real node-opcua server in this process: values and frames with
 * their source timestamps, statuses mapped to delivered / uncertain / bad, refused data counted,
 * unknown nodes isolated, and an outage (server stopped, restarted on the same port) survived.
 */

type Value = { assetId: string; channelId: string; atMs: number; value: number };
const noRejects = Object.fromEntries(OPCUA_SOURCE_REJECTS.map((r) => [r, 0]));

function recordingSink() {
  const frames: Frame[] = [];
  const values: Value[] = [];
  const sink: SourceSink = { frame: (f) => frames.push(f), vector: () => {}, value: (v) => values.push(v) };
  return { sink, frames, values };
}

/** Every notification accounted for: delivered, refused for a reason, or Bad. */
function accounted(c: OpcuaSourceCounters): number {
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return c.values + c.frames + sum(c.rejected) + sum(c.badStatus);
}

const valueNode = (nodeId: string, assetId: string, channelId: string): OpcuaSourceNode => ({ kind: 'value', nodeId, assetId, channelId, samplingIntervalMs: 0 });

describe('OpcuaSource (node-opcua server)', () => {
  let server: PlantServer;
  let clientPki: string;
  const leaks = new LeakCheck();
  const rec = () => recordingSink();

  beforeAll(async () => {
    server = await PlantServer.start(['pump-1', 'fan-2']);
    clientPki = mkdtempSync(join(tmpdir(), 'vigil-opcua-client-pki-'));
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(clientPki, { recursive: true, force: true });
  });
  beforeEach(() => leaks.begin());
  afterEach(() => leaks.end());

  /** A source with the tests' short timings: 50 ms publishing, keep-alive every 100 ms, reconnect from 100 ms. */
  async function source(nodes: OpcuaSourceNode[], sink: SourceSink, extra: Partial<OpcuaSourceOptions> = {}): Promise<OpcuaSource> {
    const s = leaks.add(new OpcuaSource({ endpointUrl: server.endpointUrl, pkiFolder: clientPki, nodes, sink, publishingIntervalMs: 50, keepAliveCount: 2, reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, sessionTimeoutMs: 10_000, ...extra }));
    await s.whenConnected(10_000);
    return s;
  }

  it('given value nodes, then their initial values arrive stamped with the source time, and each change arrives with its own source time and value', async () => {
    server.set('pump-1', 'speed', 25, { sourceMs: INITIAL_SOURCE_MS });
    server.set('pump-1', 'temperature', 40, { sourceMs: INITIAL_SOURCE_MS });
    const r = rec();
    const s = await source([valueNode(server.nodeId('pump-1', 'speed'), 'pump-1', 'speed'), valueNode(server.nodeId('pump-1', 'temperature'), 'pump-1', 'temperature')], r.sink);
    await waitFor(() => r.values.length === 2, 5000, () => `the initial values (have ${JSON.stringify(r.values)})`);

    const t = Date.UTC(2025, 5, 1, 12, 0, 0);
    server.set('pump-1', 'speed', 24.75, { sourceMs: t });
    server.set('pump-1', 'temperature', 61.5, { sourceMs: t + 7 });
    server.set('pump-1', 'speed', 24.5, { sourceMs: t + 100 });
    await waitFor(() => r.values.length === 5, 5000, () => `three changes (have ${JSON.stringify(r.values)})`);

    expect([...r.values].sort((a, b) => a.atMs - b.atMs || a.channelId.localeCompare(b.channelId))).toEqual([
      { assetId: 'pump-1', channelId: 'speed', atMs: INITIAL_SOURCE_MS, value: 25 },
      { assetId: 'pump-1', channelId: 'temperature', atMs: INITIAL_SOURCE_MS, value: 40 },
      { assetId: 'pump-1', channelId: 'speed', atMs: t, value: 24.75 },
      { assetId: 'pump-1', channelId: 'temperature', atMs: t + 7, value: 61.5 },
      { assetId: 'pump-1', channelId: 'speed', atMs: t + 100, value: 24.5 },
    ]);
    const c = s.counters();
    expect(c).toMatchObject({ connected: true, received: 5, values: 5, frames: 0, uncertain: 0, rejected: noRejects, badStatus: {}, overflows: 0, stampedBy: { server: 0, clock: 0 }, monitorFailures: {} });
    expect(c.link).toMatchObject({ connects: 1, disconnects: 0, reconnects: 0, setupFailures: 0 });
    expect(s.channels().map((ch) => [ch.channelId, ch.lastStatus, ch.lastSeverity, ch.fault])).toEqual([
      ['speed', 'Good', 'good', null],
      ['temperature', 'Good', 'good', null],
    ]);
  });

  it('given a waveform node updated every 20 ms, then every block arrives as a frame with its samples, the sample rate, and its source time as start time', async () => {
    const r = rec();
    const t0 = Date.UTC(2025, 5, 1, 13, 0, 0);
    const s = await source([{ kind: 'waveform', nodeId: server.nodeId('pump-1', 'vibration'), assetId: 'pump-1', channelId: 'de_accel', samplingIntervalMs: 0, sampleRateHz: 25_600, samplesPerFrame: 512 }], r.sink);
    await waitFor(() => r.frames.length === 1, 5000, () => 'the initial block');
    const pump = server.pumpWaveform('pump-1', { periodMs: 20, samples: 512, t0Ms: t0 });
    await waitFor(() => r.frames.length >= 31, 10_000, () => `30 blocks (have ${r.frames.length})`);
    pump.stop();
    await waitFor(() => r.frames.length === 1 + pump.sent(), 5000, () => `all ${pump.sent()} blocks (have ${r.frames.length - 1})`);

    const pumped = r.frames.slice(1);
    expect(pumped.map((f) => f.startMs)).toEqual(pumped.map((_, k) => t0 + k * 20));
    pumped.forEach((f, k) => expect(f).toEqual({ assetId: 'pump-1', channelId: 'de_accel', startMs: t0 + k * 20, sampleRateHz: 25_600, samples: blockSamples(k, 512) }));
    // One gap: from the initial block (2024) to the first pumped one.
    expect(s.counters()).toMatchObject({ received: r.frames.length, frames: r.frames.length, values: 0, overflows: 0, gaps: 1, gapMs: t0 - (INITIAL_SOURCE_MS + 20), rejected: noRejects });
    expect(s.channels()[0]).toMatchObject({ samplingIntervalMs: 0, gaps: 1, fault: null, lastStatus: 'Good' });
  });

  it('given a waveform node sampled every 100 ms while blocks come every 20 ms, then the lost blocks are counted as gaps spanning the missing time, and the slow sampling is logged', async () => {
    const r = rec();
    const log: string[] = [];
    const t0 = Date.UTC(2025, 5, 1, 14, 0, 0);
    const s = await source([{ kind: 'waveform', nodeId: server.nodeId('fan-2', 'vibration'), assetId: 'fan-2', channelId: 'accel', samplingIntervalMs: 100, sampleRateHz: 25_600, samplesPerFrame: 512 }], r.sink, { log: (l) => log.push(l) });
    await waitFor(() => r.frames.length === 1, 5000, () => 'the initial block');
    const pump = server.pumpWaveform('fan-2', { periodMs: 20, samples: 512, t0Ms: t0 });
    await waitFor(() => r.frames.length >= 8, 10_000, () => `7 sampled blocks (have ${r.frames.length})`);
    pump.stop();

    const sampled = r.frames.slice(1);
    const missingMs = sampled.slice(1).reduce((sum, f, i) => sum + (f.startMs - sampled[i]!.startMs - 20), 0);
    const c = s.counters();
    expect(missingMs).toBeGreaterThan(0);
    expect(c.gapMs - (sampled[0]!.startMs - INITIAL_SOURCE_MS - 20)).toBeCloseTo(missingMs, 6); // the first gap is from the initial block
    expect(c.gaps).toBe(s.channels()[0]!.gaps);
    expect(c.gaps).toBeGreaterThanOrEqual(sampled.length - 1);
    expect(s.channels()[0]!.samplingIntervalMs).toBe(100);
    expect(log).toContain(`opcua:${server.endpointUrl}: ${server.nodeId('fan-2', 'vibration')} (fan-2/accel): the server samples it every 100 ms but a block lasts 20 ms: blocks will be lost (counted as gaps); ask for sampling interval 0`);
  });

  it('given the same block twice with a new source time, then it arrives twice (a repeat is data); a Double array arrives as float32; and a block stamped at its end starts one block earlier', async () => {
    const r = rec();
    const s = await source([
      { kind: 'waveform', nodeId: server.nodeId('fan-2', 'vibration'), assetId: 'fan-2', channelId: 'accel', samplingIntervalMs: 0, sampleRateHz: 1000 },
      { kind: 'waveform', nodeId: server.nodeId('fan-2', 'vibration64'), assetId: 'fan-2', channelId: 'accel64', samplingIntervalMs: 0, sampleRateHz: 1000, timestampMarks: 'end' },
    ], r.sink);
    await waitFor(() => r.frames.length === 2, 5000, () => 'the initial blocks');
    const block = Float32Array.from([0.5, -0.25, 0.125, 1]);
    server.set('fan-2', 'vibration', block, { sourceMs: 5_000_000 });
    await waitFor(() => r.frames.length === 3, 5000, () => 'the first block');
    server.set('fan-2', 'vibration', block, { sourceMs: 5_000_004 });
    server.set('fan-2', 'vibration64', [0.1, 0.2, 0.3, 0.4, 0.5], { sourceMs: 6_000_000 });
    await waitFor(() => r.frames.length === 5, 5000, () => `the repeat and the Double block (have ${r.frames.length})`);

    const byChannel = (ch: string) => r.frames.slice(2).filter((f) => f.channelId === ch);
    expect(byChannel('accel')).toEqual([
      { assetId: 'fan-2', channelId: 'accel', startMs: 5_000_000, sampleRateHz: 1000, samples: block },
      { assetId: 'fan-2', channelId: 'accel', startMs: 5_000_004, sampleRateHz: 1000, samples: block },
    ]);
    // Stamped at its last sample, 5 samples at 1 kHz: the first was 4 ms earlier.
    expect(byChannel('accel64')).toEqual([{ assetId: 'fan-2', channelId: 'accel64', startMs: 6_000_000 - 4, sampleRateHz: 1000, samples: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]) }]);
    expect(s.counters().frames).toBe(5);
  });

  it('given Uncertain and Bad statuses, then Uncertain values are delivered and counted, Bad ones are counted by name and not delivered, and the channel is faulted until a Good value comes', async () => {
    server.set('fan-2', 'temperature', 40, { sourceMs: INITIAL_SOURCE_MS });
    const r = rec();
    const s = await source([valueNode(server.nodeId('fan-2', 'temperature'), 'fan-2', 'temperature')], r.sink);
    await waitFor(() => r.values.length === 1, 5000, () => 'the initial value');
    const t = Date.UTC(2025, 5, 2);
    const step = async (value: number, status: TestStatus, dt: number) => {
      const before = s.counters().received;
      server.set('fan-2', 'temperature', value, { status, sourceMs: t + dt });
      await waitFor(() => s.counters().received > before, 5000, () => `the ${status} notification (${JSON.stringify(s.counters())})`);
      return s.channels()[0]!;
    };

    const uncertain = await step(41, 'UncertainLastUsableValue', 1);
    const bad = await step(0, 'BadSensorFailure', 2);
    const staleWhileBad = s.stale(Date.now(), 60_000).map((c) => c.channelId);
    // The same value and status again is no change to OPC UA (the trigger is status and value), so the next step changes the status.
    const stillBad = await step(0, 'BadCommunicationError', 4);
    const good = await step(42.5, 'Good', 5);

    expect(r.values).toEqual([
      { assetId: 'fan-2', channelId: 'temperature', atMs: INITIAL_SOURCE_MS, value: 40 },
      { assetId: 'fan-2', channelId: 'temperature', atMs: t + 1, value: 41 },
      { assetId: 'fan-2', channelId: 'temperature', atMs: t + 5, value: 42.5 },
    ]);
    expect(uncertain).toMatchObject({ lastStatus: 'UncertainLastUsableValue', lastSeverity: 'uncertain', fault: null });
    expect(bad).toMatchObject({ lastStatus: 'BadSensorFailure', lastSeverity: 'bad', fault: { kind: 'bad_status', code: 'BadSensorFailure', detail: 'status BadSensorFailure' } });
    expect(staleWhileBad).toEqual(['temperature']); // at once, not after 60 s
    expect(stillBad.fault).toMatchObject({ kind: 'bad_status', code: 'BadCommunicationError' });
    expect(good).toMatchObject({ lastStatus: 'Good', lastSeverity: 'good', fault: null });
    expect(s.stale(Date.now(), 60_000)).toEqual([]);
    const c = s.counters();
    expect(c).toMatchObject({ received: 5, values: 3, uncertain: 1, badStatus: { BadSensorFailure: 1, BadCommunicationError: 1 }, rejected: noRejects });
    expect(accounted(c)).toBe(c.received);
  });

  it('given data the source cannot use (text, NaN, Infinity, a short block, a NaN sample, a double beyond float32), then each is counted under its reason, none is delivered, and every notification is accounted for', async () => {
    for (const a of ['pump-1', 'fan-2']) server.set(a, 'speed', 25, { sourceMs: INITIAL_SOURCE_MS });
    server.set('pump-1', 'vibration', blockSamples(0, 512), { sourceMs: INITIAL_SOURCE_MS });
    server.set('pump-1', 'vibration64', Float64Array.from(blockSamples(0, 512)), { sourceMs: INITIAL_SOURCE_MS });
    const r = rec();
    const s = await source([
      valueNode(server.nodeId('pump-1', 'label'), 'pump-1', 'label'),
      valueNode(server.nodeId('pump-1', 'speed'), 'pump-1', 'speed'),
      { kind: 'waveform', nodeId: server.nodeId('pump-1', 'vibration'), assetId: 'pump-1', channelId: 'accel', samplingIntervalMs: 0, sampleRateHz: 25_600, samplesPerFrame: 512 },
      { kind: 'waveform', nodeId: server.nodeId('pump-1', 'vibration64'), assetId: 'pump-1', channelId: 'accel64', samplingIntervalMs: 0, sampleRateHz: 25_600 },
    ], r.sink);
    // Initial notifications: the label is text (refused), speed and both blocks are fine.
    await waitFor(() => s.counters().received === 4, 5000, () => 'the four initial notifications');
    const nan = blockSamples(1, 512);
    nan[300] = Number.NaN;
    server.set('pump-1', 'speed', Number.NaN, { sourceMs: 1 });
    server.set('pump-1', 'vibration', blockSamples(1, 256), { sourceMs: 2 });
    server.set('pump-1', 'vibration', nan, { sourceMs: 3 });
    server.set('pump-1', 'vibration64', [0.5, 1e39, 0.5], { sourceMs: 4 });
    server.set('pump-1', 'speed', Number.POSITIVE_INFINITY, { sourceMs: 5 });
    server.set('pump-1', 'vibration', blockSamples(2, 512), { sourceMs: 6 });
    await waitFor(() => s.counters().received === 10, 5000, () => `ten notifications (have ${JSON.stringify(s.counters())})`);

    const c = s.counters();
    expect(c.rejected).toEqual({ ...noRejects, not_numeric: 1, wrong_length: 1, non_finite: 4 });
    expect(c).toMatchObject({ received: 10, values: 1, frames: 3 });
    expect(accounted(c)).toBe(c.received);
    expect(r.values).toEqual([{ assetId: 'pump-1', channelId: 'speed', atMs: INITIAL_SOURCE_MS, value: 25 }]);
    expect(r.frames.map((f) => [f.channelId, f.startMs])).toEqual(expect.arrayContaining([['accel', INITIAL_SOURCE_MS], ['accel64', INITIAL_SOURCE_MS], ['accel', 6]]));
    expect(Object.fromEntries(s.channels().map((ch) => [ch.channelId, ch.fault && [ch.fault.kind, ch.fault.code, ch.fault.detail]]))).toEqual({
      label: ['rejected', 'not_numeric', 'expected a numeric scalar, got String'],
      speed: ['rejected', 'non_finite', 'value Infinity'], // NaN first, then Infinity: the latest detail
      accel: null, // the last block was good
      accel64: ['rejected', 'non_finite', 'sample 1 is Infinity'],
    });
  });

  it('given node ids the server does not have, then each is a counted, faulted channel with a clear reason, while the other nodes deliver', async () => {
    server.set('pump-1', 'speed', 25, { sourceMs: INITIAL_SOURCE_MS });
    server.set('fan-2', 'speed', 30, { sourceMs: INITIAL_SOURCE_MS });
    const r = rec();
    const log: string[] = [];
    const s = await source([
      valueNode('ns=1;s=pump-1.nope', 'pump-1', 'nope'),
      valueNode(server.nodeId('pump-1', 'speed'), 'pump-1', 'speed'),
      valueNode('nsu=urn:vigil:nowhere;s=pump-1.speed', 'pump-1', 'elsewhere'),
      valueNode(`nsu=${server.namespaceUri};s=fan-2.speed`, 'fan-2', 'speed'),
    ], r.sink, { log: (l) => log.push(l) });
    await waitFor(() => r.values.length === 2, 5000, () => 'the two good nodes');

    expect(r.values.map((v) => [v.assetId, v.channelId, v.value]).sort()).toEqual([['fan-2', 'speed', 30], ['pump-1', 'speed', 25]]);
    expect(s.counters().monitorFailures).toEqual({ BadNodeIdUnknown: 2 });
    const faults = Object.fromEntries(s.channels().map((ch) => [ch.channelId === 'speed' ? `${ch.assetId}/speed` : ch.channelId, ch.fault && [ch.fault.kind, ch.fault.code]]));
    expect(faults).toEqual({ 'nope': ['not_monitored', 'BadNodeIdUnknown'], 'pump-1/speed': null, 'elsewhere': ['not_monitored', 'BadNodeIdUnknown'], 'fan-2/speed': null });
    expect(s.stale(Date.now(), 60_000).map((ch) => ch.channelId)).toEqual(['nope', 'elsewhere']);
    expect(log.filter((l) => l.includes('BadNodeIdUnknown')).sort()).toEqual([
      `opcua:${server.endpointUrl}: ns=1;s=pump-1.nope (pump-1/nope): the server has no such node (BadNodeIdUnknown); its channel stays faulted, the other nodes carry on`,
      `opcua:${server.endpointUrl}: nsu=urn:vigil:nowhere;s=pump-1.speed (pump-1/elsewhere): namespace urn:vigil:nowhere is not on the server (it has http://opcfoundation.org/UA/, ${server.namespaceUri}) (BadNodeIdUnknown); its channel stays faulted, the other nodes carry on`,
    ]);
  });

  it('given unchanged values, then keep-alives confirm them; given a waveform that stops, then its channel goes stale while the values stay fresh', async () => {
    server.set('fan-2', 'speed', 30, { sourceMs: INITIAL_SOURCE_MS });
    const r = rec();
    const s = await source([
      valueNode(server.nodeId('fan-2', 'speed'), 'fan-2', 'speed'),
      { kind: 'waveform', nodeId: server.nodeId('fan-2', 'vibration'), assetId: 'fan-2', channelId: 'accel', samplingIntervalMs: 0, sampleRateHz: 1000 },
    ], r.sink);
    await waitFor(() => r.values.length === 1 && r.frames.length === 1, 5000, () => 'the initial notifications');
    await sleep(600);

    const now = Date.now();
    const [speed, accel] = s.channels();
    expect(speed!.confirmedAtMs! - speed!.lastValueAtMs!).toBeGreaterThan(300);
    expect(now - speed!.confirmedAtMs!).toBeLessThan(300);
    expect(accel!.confirmedAtMs).toBe(accel!.lastValueAtMs);
    expect(s.stale(now, 400).map((c) => c.channelId)).toEqual(['accel']);
    expect(s.counters().keepAlives).toBeGreaterThanOrEqual(3);
  });

  it('given a sink that throws, then the notification is counted as sink_error and later ones are delivered', async () => {
    server.set('pump-1', 'temperature', 40, { sourceMs: INITIAL_SOURCE_MS });
    const values: number[] = [];
    const sink: SourceSink = { frame: () => {}, vector: () => {}, value: (v) => {
      if (v.value === 13) throw new Error('unlucky');
      values.push(v.value);
    } };
    const s = await source([valueNode(server.nodeId('pump-1', 'temperature'), 'pump-1', 'temperature')], sink);
    await waitFor(() => values.length === 1, 5000, () => 'the initial value');
    server.set('pump-1', 'temperature', 13, { sourceMs: 10 });
    server.set('pump-1', 'temperature', 14, { sourceMs: 11 });
    await waitFor(() => values.length === 2, 5000, () => 'the value after the throw');
    expect(values).toEqual([40, 14]);
    expect(s.counters()).toMatchObject({ received: 3, values: 2, rejected: { ...noRejects, sink_error: 1 } });
  });

  it('given no server at the endpoint, then the source keeps trying with back-off, its channels go stale after the grace period, and disposing it releases everything', async () => {
    const port = await freePort();
    const s = leaks.add(new OpcuaSource({ endpointUrl: `opc.tcp://127.0.0.1:${port}`, pkiFolder: clientPki, nodes: [valueNode(server.nodeId('pump-1', 'speed'), 'pump-1', 'speed')], sink: rec().sink, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }));
    const startedMs = Date.now();
    await sleep(1000);

    expect(s.counters()).toMatchObject({ connected: false, received: 0, link: { connects: 0, disconnects: 0 } });
    // 100, 200, 400, 400 ms: a bounded back-off, not a busy loop.
    expect(s.counters().link.reconnectAttempts).toBeGreaterThanOrEqual(2);
    expect(s.counters().link.reconnectAttempts).toBeLessThanOrEqual(6);
    expect(s.stale(startedMs + 100, 500)).toEqual([]); // the grace period
    expect(s.stale(Date.now(), 500).map((c) => c.channelId)).toEqual(['speed']);
    await expect(s.whenConnected(50)).rejects.toThrow(/^no OPC UA connection to opc\.tcp:\/\/127\.0\.0\.1:\d+ within 50 ms \(connecting to .*, \d+ attempts so far/);
  });

  it('given the server ends the subscription on a live session, then the channels are faulted until the source has subscribed again, and values flow on', async () => {
    server.set('pump-1', 'temperature', 40, { sourceMs: INITIAL_SOURCE_MS });
    const r = rec();
    const log: string[] = [];
    const s = await source([valueNode(server.nodeId('pump-1', 'temperature'), 'pump-1', 'temperature')], r.sink, { log: (l) => log.push(l) });
    await waitFor(() => r.values.length === 1, 5000, () => 'the initial value');

    expect(server.expireSubscriptions()).toBe(1);
    const faulted = await waitFor(() => s.channels()[0]!.fault, 5000, () => 'the channel to be faulted');
    await waitFor(() => r.values.length === 2 && s.channels()[0]!.fault === null, 5000, () => `the initial value again (have ${JSON.stringify(r.values)})`);
    server.set('pump-1', 'temperature', 44.5, { sourceMs: Date.UTC(2025, 5, 4) });
    await waitFor(() => r.values.length === 3, 5000, () => 'a new value on the new subscription');

    expect(faulted).toMatchObject({ kind: 'disconnected', detail: 'the server ended the subscription; subscribing again' });
    expect(r.values.map((v) => v.value)).toEqual([40, 40, 44.5]);
    expect(s.counters()).toMatchObject({ connected: true, resubscribes: 1, link: { connects: 1, disconnects: 0 } });
    expect(log).toContain(`opcua:${server.endpointUrl}: the server ended the subscription; subscribing again`);
  });

  // Last: it restarts the file's server.
  it('given the server stops, then every channel is stale at once; a source started meanwhile waits; after a restart on the same port both connect, values flow again, and the unknown node is tried again', async () => {
    server.set('pump-1', 'speed', 25, { sourceMs: INITIAL_SOURCE_MS });
    const nodes = [valueNode(server.nodeId('pump-1', 'speed'), 'pump-1', 'speed'), valueNode('ns=1;s=pump-1.nope', 'pump-1', 'nope')];
    const r = rec();
    const s = await source(nodes, r.sink);
    await waitFor(() => r.values.length === 1, 5000, () => 'the initial value');

    await leaks.untracked(() => server.stop());
    await waitFor(() => !s.connected, 5000, () => 'the source to notice the server is gone');
    const down = s.channels();
    const staleAtOnce = s.stale(Date.now(), 60_000).map((c) => c.channelId);
    const r2 = rec();
    const late = leaks.add(new OpcuaSource({ endpointUrl: server.endpointUrl, pkiFolder: clientPki, nodes, sink: r2.sink, publishingIntervalMs: 50, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } }));
    await sleep(500);
    const lateWhileDown = late.counters();

    await leaks.untracked(() => server.restart());
    await Promise.all([s.whenConnected(15_000), late.whenConnected(15_000)]);
    // The new server starts from its initial values; then a new one is set.
    server.set('pump-1', 'speed', 26.5, { sourceMs: Date.UTC(2025, 5, 3) });
    await waitFor(() => r.values.at(-1)?.value === 26.5 && r2.values.at(-1)?.value === 26.5, 10_000, () => `the new value at both sources (have ${JSON.stringify([r.values, r2.values])})`);

    expect(down.map((c) => [c.channelId, c.fault?.kind, c.fault?.code])).toEqual([['speed', 'disconnected', 'disconnected'], ['nope', 'not_monitored', 'BadNodeIdUnknown']]);
    expect(staleAtOnce).toEqual(['speed', 'nope']);
    expect(lateWhileDown).toMatchObject({ connected: false, received: 0, link: { connects: 0 } });
    expect(lateWhileDown.link.reconnectAttempts).toBeGreaterThanOrEqual(1);
    expect(r.values.map((v) => v.value)).toEqual([25, 25, 26.5]);
    expect(r2.values.map((v) => v.value)).toEqual([25, 26.5]);
    const c = s.counters();
    expect(c).toMatchObject({ connected: true, monitorFailures: { BadNodeIdUnknown: 2 }, link: { connects: 2, disconnects: 1, reconnects: 1, setupFailures: 0 } });
    expect(c.link.reconnectAttempts).toBeGreaterThanOrEqual(1);
    expect(s.channels().map((ch) => [ch.channelId, ch.fault?.kind ?? null])).toEqual([['speed', null], ['nope', 'not_monitored']]);
    expect(late.counters()).toMatchObject({ connected: true, values: 2, link: { connects: 1, disconnects: 0, reconnects: 0 } });
  });
});
