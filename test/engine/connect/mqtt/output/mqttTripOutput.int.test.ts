import type { IPublishPacket } from 'mqtt';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalPeer } from '../../../../../engine/connect/localPeer';
import { MqttTripOutput, type TripEscalation, type TripOutcome } from '../../../../../engine/connect/mqtt/output/MqttTripOutput';
import { MqttControllerPeer } from '../../../../../engine/connect/mqtt/output/MqttControllerPeer';
import { tripAckTopic, tripCommandTopic } from '../../../../../engine/connect/mqtt/topics';
import { TestResources, brokerUrl, quantile, rawClient, skipReason, until } from './mqttTestKit';

const SITE = 'plant-a';

/** The trip output against a real mosquitto and a controller stand-in that is a real MQTT client. */
describe.skipIf(skipReason !== null)(`MqttTripOutput against mosquitto${skipReason ? ` — SKIPPED: ${skipReason}` : ''}`, () => {
  const res = new TestResources();
  let broker: LocalPeer;
  beforeEach(async () => {
    res.begin();
    broker = await res.mosquitto();
  });
  afterEach(() => res.end());

  const setup = async (o: { ackTimeoutMs?: number; controller?: boolean } = {}) => {
    const url = brokerUrl(broker);
    const controller = o.controller === false ? null : res.track(await MqttControllerPeer.start({ url, site: SITE }));
    const escalations: TripEscalation[] = [];
    const output = res.track(await MqttTripOutput.connect({ url, site: SITE, name: 'mqtt-test', ackTimeoutMs: o.ackTimeoutMs ?? 500, onEscalation: (e) => escalations.push(e) }));
    const outcomes: TripOutcome[] = [];
    output.onOutcome((x) => outcomes.push(x));
    return { url, controller, output, outcomes, escalations };
  };

  it('given a listening controller, when a trip is requested, then the receipt comes at once, the wire carries MQTT 5 correlation data and response topic, and the ack with the same id is recorded with its latency', async () => {
    const { url, controller, output, outcomes, escalations } = await setup();
    const seen: IPublishPacket[] = [];
    const observer = res.client(await rawClient(url));
    await observer.subscribeAsync(tripCommandTopic(SITE, 'pump-101'), { qos: 1 });
    observer.on('message', (_t, _p, packet) => seen.push(packet));

    const receipt = output.requestTrip({ assetId: 'pump-101', decidedAtMs: 1_000, reason: 'score 3.2 ≥ danger 3', commandId: 'trip-1' });
    expect(receipt.actuator).toBe('mqtt-test');
    expect(output.pendingCount).toBe(1);
    await until(() => outcomes.some((x) => x.kind === 'acknowledged'), 2000, 'the acknowledgement');
    await until(() => seen.length === 1, 1000, 'the observer to see the command');

    const ack = outcomes.find((x) => x.kind === 'acknowledged')!;
    expect(ack).toMatchObject({ kind: 'acknowledged', commandId: 'trip-1', assetId: 'pump-101' });
    expect(ack.kind === 'acknowledged' && ack.latencyMs).toBeGreaterThan(0);
    const puback = outcomes.find((x) => x.kind === 'puback');
    expect(puback).toMatchObject({ commandId: 'trip-1', assetId: 'pump-101', noSubscriber: false });
    console.log(`one trip: PUBACK after ${puback!.kind === 'puback' ? puback!.pubackMs.toFixed(2) : '?'} ms, controller ack after ${ack.kind === 'acknowledged' ? ack.latencyMs.toFixed(2) : '?'} ms`);
    const wire = seen[0]!;
    expect(wire.qos).toBe(1);
    expect(Buffer.from(wire.properties!.correlationData!).toString()).toBe('trip-1');
    expect(wire.properties!.responseTopic).toBe(tripAckTopic(SITE, 'pump-101'));
    expect(wire.properties!.messageExpiryInterval).toBe(10);
    expect(JSON.parse(wire.payload.toString())).toEqual({ commandId: 'trip-1', assetId: 'pump-101', decidedAtMs: 1_000, reason: 'score 3.2 ≥ danger 3', sentAtMs: receipt.commandedAtMs });
    expect(controller!.latched()).toEqual([{ assetId: 'pump-101', cause: 'command', commandId: 'trip-1', atMs: expect.any(Number) }]);
    expect(escalations).toEqual([]);
    expect(output.pendingCount).toBe(0);
    expect(output.counters()).toMatchObject({ commands: 1, pubacks: 1, acks: 1, timeouts: 0, late: 0, malformedAcks: 0, foreignAcks: 0 });
  });

  it('given a silent controller, when a trip is requested, then it times out with a sentence a person reads, and the answer that comes later is recorded as late', async () => {
    const { controller, output, outcomes, escalations } = await setup({ ackTimeoutMs: 300 });
    controller!.setBehaviour({ silent: true });
    output.requestTrip({ assetId: 'pump-101', decidedAtMs: 5, reason: 'bearing BPFO 4.1 mm/s', commandId: 'trip-silent' });
    await until(() => escalations.length === 1, 2000, 'the escalation');

    expect(escalations[0]).toMatchObject({ commandId: 'trip-silent', assetId: 'pump-101', reason: 'bearing BPFO 4.1 mm/s' });
    expect(escalations[0]!.message).toBe('no acknowledgement from the controller of pump-101 within 300 ms (the broker accepted the command): check the controller; the trip may not have happened');
    expect(outcomes.filter((x) => x.kind === 'timeout')).toEqual([{ kind: 'timeout', commandId: 'trip-silent', assetId: 'pump-101', ackTimeoutMs: 300, message: escalations[0]!.message }]);

    expect(controller!.releaseWithheld()).toBe(1);
    await until(() => output.counters().late === 1, 2000, 'the late ack');
    const late = outcomes.find((x) => x.kind === 'late');
    expect(late).toMatchObject({ kind: 'late', commandId: 'trip-silent', assetId: 'pump-101' });
    expect(late!.kind === 'late' && late!.latencyMs).toBeGreaterThanOrEqual(300);
    expect(output.counters()).toMatchObject({ commands: 1, acks: 0, timeouts: 1, late: 1, malformedAcks: 0 });
    expect(escalations).toHaveLength(1);
  });

  it('given no controller subscribed, when a trip times out, then the sentence says the broker has no subscriber for that trip topic', async () => {
    const { output, escalations } = await setup({ controller: false, ackTimeoutMs: 200 });
    output.requestTrip({ assetId: 'fan-201', decidedAtMs: 5, reason: 'operator e-stop', commandId: 'estop-1' });
    await until(() => escalations.length === 1, 2000, 'the escalation');
    expect(escalations[0]!.message).toBe("no acknowledgement from the controller of fan-201 within 200 ms (the broker accepted the command but no controller is subscribed to fan-201's trip topic): check the controller; the trip may not have happened");
  });

  it('given the engine thread stays busy after deciding, when a trip is requested, then the command is on the wire before the thread is free again', async () => {
    const { url, output } = await setup();
    // The observer is another thread: it hears the command while this one is still busy.
    const observer = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const client = require('mqtt').connect(${JSON.stringify(url)}, { protocolVersion: 5 });
       client.on('connect', () => client.subscribe(${JSON.stringify(tripCommandTopic(SITE, 'pump-busy'))}, { qos: 1 }, () => parentPort.postMessage('ready')));
       client.on('message', () => parentPort.postMessage(process.hrtime.bigint()));`,
      { eval: true },
    );
    try {
      await new Promise((resolve) => observer.once('message', resolve));
      const heard = new Promise<bigint>((resolve) => observer.once('message', resolve));
      output.requestTrip({ assetId: 'pump-busy', decidedAtMs: 1, reason: 'velocity 9 ≥ danger 7.1', commandId: 'trip-busy' });
      const requestedNs = process.hrtime.bigint();
      // The work an engine does after a trip on the same turn (incident, events, snapshots), made long.
      const busyUntil = performance.now() + 400;
      while (performance.now() < busyUntil);
      const heardMs = Number((await heard) - requestedNs) / 1e6;
      console.log(`command heard by another thread ${heardMs.toFixed(2)} ms after the request, while this thread was busy for 400 ms`);
      expect(heardMs).toBeLessThan(200);
    } finally {
      await observer.terminate();
    }
  });

  it('given 50 assets, when all are tripped at once, then each is acknowledged exactly once under its own command id, and latencies are recorded', async () => {
    const { controller, output, outcomes, escalations } = await setup({ ackTimeoutMs: 2000 });
    const assets = Array.from({ length: 50 }, (_, i) => `pump-${100 + i}`);
    for (const assetId of assets) output.requestTrip({ assetId, decidedAtMs: 7, reason: 'plant e-stop', commandId: 'estop-all' });
    await until(() => output.counters().acks === 50, 5000, '50 acknowledgements');

    const acked = outcomes.filter((x) => x.kind === 'acknowledged');
    expect(acked.map((x) => x.assetId).sort()).toEqual([...assets].sort());
    expect(new Set(acked.map((x) => `${x.assetId}/${x.commandId}`)).size).toBe(50);
    expect(controller!.latched().map((l) => l.assetId).sort()).toEqual([...assets].sort());
    expect(controller!.counters()).toMatchObject({ commands: 50, acksSent: 50, malformedCommands: 0 });
    expect(output.counters()).toMatchObject({ commands: 50, pubacks: 50, acks: 50, timeouts: 0, late: 0, duplicateAcks: 0, foreignAcks: 0 });
    expect(escalations).toEqual([]);
    const latencies = acked.map((x) => (x.kind === 'acknowledged' ? x.latencyMs : NaN));
    console.log(`50 concurrent trips → ack: p50 ${quantile(latencies, 0.5).toFixed(2)} ms, max ${quantile(latencies, 1).toFixed(2)} ms`);
  });

  it('given 1000 garbage payloads and a foreign ack on the ack topics, when they arrive, then each is counted and the output still trips and hears its own ack', async () => {
    const { url, output, outcomes } = await setup();
    const vandal = res.client(await rawClient(url));
    const topic = tripAckTopic(SITE, 'pump-101');
    const garbage = (i: number): [Buffer | string, { correlationData?: Buffer }] => {
      switch (i % 5) {
        case 0: return [Buffer.from([0xff, 0xfe, i & 0xff, 0x00]), { correlationData: Buffer.from('x') }];
        case 1: return ['{"commandId": "trip-1", "assetId": "pump-101"', { correlationData: Buffer.from('trip-1') }];
        case 2: return [JSON.stringify({ commandId: 'trip-1', assetId: 'pump-101', trippedAtMs: 1 }), {}];
        case 3: return [JSON.stringify({ commandId: 'trip-1', assetId: 'pump-999', trippedAtMs: 1 }), { correlationData: Buffer.from('trip-1') }];
        default: return [JSON.stringify([1, 2, i]), { correlationData: Buffer.from('trip-1') }];
      }
    };
    await Promise.all(Array.from({ length: 1000 }, (_, i) => {
      const [payload, properties] = garbage(i);
      return vandal.publishAsync(topic, payload, { qos: 1, properties });
    }));
    await vandal.publishAsync(topic, JSON.stringify({ commandId: 'not-ours', assetId: 'pump-101', trippedAtMs: 1 }), { qos: 1, properties: { correlationData: Buffer.from('not-ours') } });
    await until(() => output.counters().malformedAcks + output.counters().foreignAcks === 1001, 5000, 'every garbage payload to be counted');

    output.requestTrip({ assetId: 'pump-101', decidedAtMs: 9, reason: 'after the garbage', commandId: 'trip-after' });
    await until(() => output.counters().acks === 1, 2000, 'the real ack');
    expect(output.counters()).toMatchObject({ malformedAcks: 1000, foreignAcks: 1, acks: 1, timeouts: 0 });
    expect(outcomes.filter((x) => x.kind === 'acknowledged').map((x) => x.commandId)).toEqual(['trip-after']);
  });

  it('given commands waiting for their ack, when the output is disposed, then each is escalated and a later trip throws instead of vanishing', async () => {
    const { controller, output, escalations } = await setup();
    controller!.setBehaviour({ silent: true });
    output.requestTrip({ assetId: 'pump-101', decidedAtMs: 1, reason: 'r', commandId: 'c-1' });
    await output.dispose();
    expect(escalations.map((e) => e.message)).toEqual(['the trip output closed before the controller of pump-101 acknowledged: check the controller; the trip may not have happened']);
    expect(() => output.requestTrip({ assetId: 'pump-101', decidedAtMs: 2, reason: 'r' })).toThrow('trip of pump-101 not sent: the MQTT trip output "mqtt-test" has been disposed');
    expect(output.counters()).toMatchObject({ commands: 1, abandoned: 1, refused: 1 });
  });
});
