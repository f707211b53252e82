import type { MqttClient } from 'mqtt';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePlantConfig } from '../../../engine/config/plant/loadPlantConfig';
import { MOSQUITTO, startMosquitto, type LocalPeer } from '../../../engine/connect/localPeer';
import { modbusControllerUnavailable, readControllerState, startModbusController, type ModbusControllerPeer } from '../../../engine/connect/modbus/modbusController';
import { encodeWave } from '../../../engine/connect/mqtt/frameCodec';
import { MqttControllerPeer } from '../../../engine/connect/mqtt/output/MqttControllerPeer';
import { waveTopic } from '../../../engine/connect/mqtt/topics';
import { startPlantTripOutputs, type PlantTripOutputs } from '../../../engine/connect/plantTripOutputs';
import { EngineThread } from '../../../engine/service/EngineThread';
import { startPlantConsole, type PlantConsole } from '../../../engine/service/plantConsole';
import { serveCommand } from '../../../engine/service/serveCommand';
import { rawClient, until } from '../connect/mqtt/output/mqttTestKit';
import { pumpAssetYaml } from '../../support/pumpAssetYaml';
import { floatBytes, TestEdgeNode } from '../connect/sparkplug/sparkplugEdgeNode';
import { PlantServer } from '../connect/opcua/opcuaTestKit';

const skip = !MOSQUITTO ? 'mosquitto is not installed (apt-get install mosquitto)' : modbusControllerUnavailable();
const RATE_HZ = 12_800;
/** 10 ms frames. */
const FRAME_SAMPLES = 128;

/** A plant file for one pump: waveforms through the broker, speed from the PLC, trips to both, the PLC's watchdog coil. */
function plantYaml(brokerPort: number, plcPort: number): string {
  return `
site: test-works
sources:
  - id: broker
    kind: mqtt
    url: mqtt://127.0.0.1:${brokerPort}
  - id: plc
    kind: modbus
    host: 127.0.0.1
    port: ${plcPort}
    pollMs: 50
    registers:
      - { address: 2000, type: input, format: uint16, scale: 0.01, assetId: pump-1, channelId: speed, unit: Hz }
assets:
${pumpAssetYaml({ id: 'pump-1', name: 'Test pump', source: 'broker' })}outputs:
  - { kind: mqtt, source: broker, ackTimeoutMs: 1000 }
  - { kind: modbus, host: 127.0.0.1, port: ${plcPort}, coils: { pump-1: 0 } }
watchdog: { kind: modbus, host: 127.0.0.1, port: ${plcPort}, coil: 1000, periodMs: 100 }
events: { source: broker }
`;
}

/** The first value of `read()` that `ok` accepts, polled every 50 ms; the last one read after `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const by = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > by) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A sensor gateway: 10 ms frames of a 50 Hz vibration at `amplitudeG`, published in real time. */
function startGateway(client: MqttClient, site: string): { setAmplitude(g: number): void; stop(): void } {
  let amplitudeG = 0.05;
  let n = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    const due = Math.floor((Date.now() - t0) / 10);
    for (; n < due; n++) {
      const samples = new Float32Array(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++) samples[i] = amplitudeG * Math.sin((2 * Math.PI * 50 * (n * FRAME_SAMPLES + i)) / RATE_HZ);
      client.publish(waveTopic(site, 'pump-1', 'de_accel'), encodeWave({ seq: n, startMs: t0 + n * 10, sampleRateHz: RATE_HZ, samples }), { qos: 0 });
    }
  }, 5);
  return { setAmplitude: (g) => (amplitudeG = g), stop: () => clearInterval(timer) };
}

/**
 * The console on a configured plant, against real peers: mosquitto carries the waveforms and the
 * MQTT trip command, a pymodbus PLC supplies the speed, takes the trip coil and watches the heartbeat.
 */
describe.skipIf(skip !== null)(`plant console from a plant file${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('given a plant file, when a pump runs then shakes, then its speed comes from the PLC, the trip reaches both controllers, and stopping the console lets the watchdog trip', async () => {
    const broker: LocalPeer = await startMosquitto();
    cleanups.push(() => broker.stop());
    const plc: ModbusControllerPeer = await startModbusController({ assets: 1, watchdogMs: 600, presets: { 2000: 2970 } });
    cleanups.push(() => plc.stop());
    const parsed = parsePlantConfig(plantYaml(broker.port, plc.port), 'plant.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const mqttController = await MqttControllerPeer.start({ url, site: 'test-works', assetIds: ['pump-1'] });
    cleanups.push(() => mqttController.dispose());
    const lines: string[] = [];
    const log = (l: string): void => void lines.push(l);

    const outputs: PlantTripOutputs = startPlantTripOutputs(parsed.config, { log });
    cleanups.push(() => outputs.dispose());
    const c: PlantConsole = await startPlantConsole(parsed.config, parsed.assets, { dbPath: ':memory:', actuator: outputs.actuator, outputs: () => outputs.connections(), statusIntervalMs: 100, log });
    let stopped = false;
    cleanups.push(() => !stopped && c.stop());
    const gatewayClient = await rawClient(url);
    cleanups.push(() => gatewayClient.endAsync(true));
    const historian = await rawClient(url);
    cleanups.push(() => historian.endAsync(true));
    const events: Array<{ topic: string; type: string }> = [];
    historian.on('message', (topic, payload) => events.push({ topic, type: (JSON.parse(payload.toString()) as { event: { type: string } }).event.type }));
    await historian.subscribeAsync('vigil/v1/test-works/+/event/+', { qos: 1 });
    const gateway = startGateway(gatewayClient, 'test-works');
    cleanups.push(() => gateway.stop());

    // Running quietly: the channel is good, the speed is the PLC's (29.70 Hz, not the nameplate 24.75), the heartbeat toggles.
    await until(() => c.engine.status().assets[0]!.quality === 'good' && c.engine.status().assets[0]!.shaftHz !== null, 10_000, 'the pump to be scored');
    await until(() => c.engine.status().assets[0]!.shaftHz === 29.7, 5_000, 'the measured speed to reach the features');
    expect(c.values.view(Date.now())).toEqual([{ assetId: 'pump-1', channelId: 'speed', atMs: expect.any(Number), value: 29.7, sourceId: 'plc', stale: false }]);
    await until(() => outputs.connections().every((o) => o.connected), 5_000, 'both trip outputs to connect');
    expect(c.engine.status().assets[0]!).toMatchObject({ level: 'normal', latched: false, trips: 0 });
    expect(await eventually(async () => (await readControllerState(plc)).toggles, (t) => t > 2, 3_000)).toBeGreaterThan(2);

    // Every link in the status, up.
    await until(() => (c.engine.status().connections ?? []).every((l) => l.connected) && c.engine.status().connections?.length === 6, 3_000, 'every link to be up');
    expect(c.engine.status().connections!.map((l) => [l.role, l.kind, l.id])).toEqual([
      ['source', 'mqtt', 'broker'], ['source', 'modbus', 'plc'], ['trip output', 'mqtt', 'mqtt:broker'], ['trip output', 'modbus', `modbus:127.0.0.1:${plc.port}`], ['watchdog', 'modbus', `coil 1000 at 127.0.0.1:${plc.port}`], ['events', 'mqtt', 'via broker'],
    ]);

    // Shaking: 2 g at 50 Hz is ~44 mm/s RMS, far past danger (7.1): one trip, to both controllers.
    gateway.setAmplitude(2);
    await until(() => c.engine.status().assets[0]!.latched, 5_000, 'the pump to trip');
    await until(() => mqttController.latched().length === 1, 3_000, 'the MQTT controller to latch the trip');
    const state = await readControllerState(plc);
    expect(state).toMatchObject({ tripped: [true], causes: ['command'] });
    expect(mqttController.latched()).toEqual([expect.objectContaining({ assetId: 'pump-1', cause: 'command' })]);
    expect(outputs.recorder.trips().map((t) => t.assetId)).toEqual(['pump-1']);
    await until(() => lines.some((l) => /pump-1.*acknowledged by the controller/.test(l)) && lines.some((l) => /pump-1 verified/.test(l)), 3_000, 'both outcomes in the log');
    expect(c.engine.status().assets[0]).toMatchObject({ level: 'danger', trips: 1 });
    // The plant's historian heard the channel come alive, the alarm and the trip.
    await until(() => events.some((e) => e.type === 'TripRequested'), 3_000, 'the trip event at the historian');
    expect(events).toContainEqual({ topic: 'vigil/v1/test-works/pump-1/event/TripRequested', type: 'TripRequested' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['QualityChanged', 'AlarmLevelChanged']));
    expect(await c.events!.counters()).toMatchObject({ dropped: 0, connected: true });

    // Stopping the console stops the heartbeat: the PLC's watchdog (600 ms) trips on its own.
    gateway.stop();
    await c.stop();
    stopped = true;
    expect(await eventually(async () => (await readControllerState(plc)).expiries, (n) => n > 0, 3_000)).toBe(1);
  });

  it('given a plant whose broker and PLC are not there at start, then the console starts, its channel stays stale with no trip, and a trip is refused with the reason', async () => {
    const parsed = parsePlantConfig(plantYaml(1, 2), 'plant.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
    const lines: string[] = [];
    const outputs = startPlantTripOutputs(parsed.config, { log: (l) => void lines.push(l), retryMs: 50 });
    cleanups.push(() => outputs.dispose());
    const c = await startPlantConsole(parsed.config, parsed.assets, { dbPath: ':memory:', actuator: outputs.actuator, statusIntervalMs: 100 });
    cleanups.push(() => c.stop());

    await new Promise((r) => setTimeout(r, 500));
    expect(c.engine.status().assets[0]).toMatchObject({ quality: 'stale', level: 'normal', latched: false, trips: 0, score: null });
    expect(c.sources.sources.map((s) => [s.id, s.connected()])).toEqual([['broker', false], ['plc', false]]);
    expect(() => outputs.actuator.requestTrip({ assetId: 'pump-1', decidedAtMs: 0, reason: 'test' })).toThrow(/no trip output took the command for pump-1: mqtt:broker: not yet connected to the MQTT broker at mqtt:\/\/127\.0\.0\.1:1 \(.*\); trip of pump-1 NOT sent; modbus:127\.0\.0\.1:2: not connected to the controller \(127\.0\.0\.1:2 unreachable/);
    expect(outputs.recorder.trips()).toEqual([]);
  });

  it('given vigil serve with a plant file, when the pump shakes, then the trip leaves from the trip output thread to both controllers and the output thread reports the outcomes', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const plc = await startModbusController({ assets: 1, watchdogMs: 5_000 });
    cleanups.push(() => plc.stop());
    const parsed = parsePlantConfig(plantYaml(broker.port, plc.port), 'plant.yaml');
    if (!parsed.ok) throw new Error('plant file refused');
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const mqttController = await MqttControllerPeer.start({ url, site: 'test-works', assetIds: ['pump-1'] });
    cleanups.push(() => mqttController.dispose());
    const lines: string[] = [];
    const engine = await EngineThread.start({ dbPath: ':memory:', plant: { config: parsed.config, assets: parsed.assets }, statusIntervalMs: 100, log: (l) => void lines.push(l) });
    cleanups.push(() => engine.stop());
    const gatewayClient = await rawClient(url);
    cleanups.push(() => gatewayClient.endAsync(true));
    const gateway = startGateway(gatewayClient, 'test-works');
    cleanups.push(() => gateway.stop());

    await until(() => engine.status()?.assets[0]?.quality === 'good', 10_000, 'the pump to be scored in the engine thread');
    await until(() => lines.some((l) => l.includes('trip output: connected to the MQTT broker')), 5_000, 'the output thread to reach the broker');
    expect(engine.status()!.source).toBe('plant test-works');
    gateway.setAmplitude(2);
    await until(() => mqttController.latched().length === 1, 5_000, 'the MQTT controller to latch the trip');
    expect(await eventually(() => readControllerState(plc), (st) => st.tripped[0] === true, 3_000)).toMatchObject({ tripped: [true], causes: ['command'] });
    await until(() => lines.some((l) => /trip output mqtt:broker: trip of pump-1 .* acknowledged by the controller/.test(l)) && lines.some((l) => /trip output modbus:127\.0\.0\.1:\d+: pump-1 verified/.test(l)), 3_000, 'the outcomes in the log');
    expect((await engine.commandedTrips()).map((t) => t.assetId)).toEqual(['pump-1']);
    // The output thread tells the engine thread how its outputs are, for the status every screen gets.
    await until(() => (engine.status()?.connections ?? []).filter((l) => l.role === 'trip output' && l.connected).length === 2, 3_000, 'both trip outputs in the status');
  });

  it('given a plant file with mistakes, when vigil serve is asked to run it, then it prints each mistake at its line and does not start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-plant-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'plant.yaml');
    writeFileSync(file, plantYaml(1883, 502).replace('pollMs: 50', 'pollMs: 5').replace('ackTimeoutMs: 1000', 'ackTimeoutMS: 1000'));
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((l: string) => void errors.push(l));
    cleanups.push(() => spy.mockRestore());

    expect(await serveCommand({ plant: file, durationS: 1 })).toBe(1);
    const text = errors.join('\n');
    expect(text).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+ sources\\[1\\]\\.pollMs: `));
    expect(text).toMatch(/outputs\[0\]\.ackTimeoutMS: .*ackTimeoutMs/);
    expect(text).toMatch(/problems in .*plant\.yaml: not started/);
  });

  it('given a plant file with a Sparkplug B source, when its edge node is born and publishes, then the waveform metric feeds the channel and the speed metric the shaft speed, and its death makes the channel stale', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const yaml = `
site: sp-works
sources:
  - id: edge
    kind: sparkplug
    url: mqtt://127.0.0.1:${broker.port}
    groupId: plant1
    edgeNodes: [gw-1]
    staleAfterMs: 1000
    metrics:
      - { edgeNode: gw-1, device: pump-1, metric: DE/Accel, assetId: pump-1, channelId: de_accel, kind: waveform, sampleRateHz: ${RATE_HZ} }
      - { edgeNode: gw-1, metric: Line/Speed, assetId: pump-1, channelId: speed, kind: value }
assets:
${pumpAssetYaml({ id: 'pump-1', name: 'Test pump', source: 'edge', commissioningWindows: null })}outputs: none
`;
    const parsed = parsePlantConfig(yaml, 'plant.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
    const c = await startPlantConsole(parsed.config, parsed.assets, { dbPath: ':memory:', statusIntervalMs: 100 });
    cleanups.push(() => c.stop());
    await until(() => c.sources.sources[0]!.connected(), 5_000, 'the Sparkplug source to connect');
    const node = await TestEdgeNode.connect(broker.port, 'plant1', 'gw-1');
    cleanups.push(() => node.end());
    await node.nbirth(Date.now(), [{ name: 'Line/Speed', alias: 1, type: 'Double', value: 29.7 }]);
    await node.dbirth('pump-1', Date.now(), [{ name: 'DE/Accel', alias: 12, type: 'Bytes', value: new Uint8Array(0) }]);
    const t0 = Date.now();
    let n = 0;
    const timer = setInterval(() => {
      const samples = new Float32Array(FRAME_SAMPLES * 5);
      for (let i = 0; i < samples.length; i++) samples[i] = 0.05 * Math.sin((2 * Math.PI * 50 * (n * samples.length + i)) / RATE_HZ);
      if (n % 10 === 0) void node.ndata(Date.now(), [{ name: 'Line/Speed', type: 'Double', value: 29.7 }]);
      void node.ddata('pump-1', t0 + n * 50, [{ alias: 12, bytesValue: floatBytes(samples) }]);
      n++;
    }, 50);
    cleanups.push(() => clearInterval(timer));

    await until(() => c.engine.status().assets[0]!.quality === 'good' && c.engine.status().assets[0]!.shaftHz === 29.7, 10_000, 'the pump scored at the edge node\'s speed');
    expect(c.values.view(Date.now())).toEqual([expect.objectContaining({ assetId: 'pump-1', channelId: 'speed', value: 29.7, sourceId: 'edge', stale: false })]);
    expect(c.sources.sources[0]!.counters()).toMatchObject({ births: 2, rejected: { sequence_break: 0, before_birth: 0 } });

    clearInterval(timer);
    node.killSocket();
    await until(() => c.engine.status().assets[0]!.quality === 'stale', 6_000, 'the channel to go stale after the edge node died');
    expect(c.sources.sources[0]!.counters()).toMatchObject({ deaths: 1 });
    expect(c.engine.status().assets[0]).toMatchObject({ latched: false, trips: 0 });
  });

  it('given a plant file with an OPC UA device, when its pump runs then shakes, then the waveform and speed variables feed the engine and the trip is written to the device\'s trip variable', async () => {
    const server = await PlantServer.start(['pump-1']);
    cleanups.push(() => server.dispose());
    const yaml = `
site: ua-works
sources:
  - id: daq
    kind: opcua
    endpointUrl: ${server.endpointUrl}
    nodes:
      - { nodeId: '${server.nodeId('pump-1', 'vibration')}', assetId: pump-1, channelId: de_accel, kind: waveform, samplingIntervalMs: 0, sampleRateHz: ${RATE_HZ} }
      - { nodeId: '${server.nodeId('pump-1', 'speed')}', assetId: pump-1, channelId: speed, kind: value, samplingIntervalMs: 0 }
assets:
${pumpAssetYaml({ id: 'pump-1', name: 'Test pump', source: 'daq' })}outputs:
  - { kind: opcua, endpointUrl: '${server.endpointUrl}', nodes: { pump-1: '${server.nodeId('pump-1', 'trip')}' } }
`;
    const parsed = parsePlantConfig(yaml, 'plant.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
    const lines: string[] = [];
    const outputs = startPlantTripOutputs(parsed.config, { log: (l) => void lines.push(l) });
    cleanups.push(() => outputs.dispose());
    const c = await startPlantConsole(parsed.config, parsed.assets, { dbPath: ':memory:', actuator: outputs.actuator, outputs: () => outputs.connections(), statusIntervalMs: 100 });
    cleanups.push(() => c.stop());
    server.set('pump-1', 'speed', 29.7);
    let amplitudeG = 0.05;
    let k = 0;
    const t0 = Date.now();
    const BLOCK = 640; // 50 ms at 12.8 kHz
    const timer = setInterval(() => {
      const samples = new Float32Array(BLOCK);
      for (let i = 0; i < BLOCK; i++) samples[i] = amplitudeG * Math.sin((2 * Math.PI * 50 * (k * BLOCK + i)) / RATE_HZ);
      server.set('pump-1', 'vibration', samples, { sourceMs: t0 + k * 50 });
      k++;
    }, 50);
    cleanups.push(() => clearInterval(timer));

    await until(() => c.engine.status().assets[0]!.quality === 'good' && c.engine.status().assets[0]!.shaftHz === 29.7, 15_000, 'the pump scored at the device\'s speed');
    await until(() => outputs.connections().every((o) => o.connected), 10_000, 'the OPC UA trip output to connect');
    expect(c.engine.status().connections?.map((l) => [l.role, l.kind, l.connected])).toEqual([['source', 'opcua', true], ['trip output', 'opcua', true]]);

    amplitudeG = 2;
    await until(() => server.trips('pump-1').length > 0, 5_000, 'the trip written to the device');
    expect(server.trips('pump-1')).toEqual([expect.objectContaining({ via: 'write', value: true })]);
    await until(() => lines.some((l) => /pump-1 verified in/.test(l)), 3_000, 'the verified outcome in the log');
    expect(c.engine.status().assets[0]).toMatchObject({ latched: true, trips: 1 });
  });
});
