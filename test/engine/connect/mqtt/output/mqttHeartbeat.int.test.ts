import type { IPublishPacket } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalPeer } from '../../../../../engine/connect/localPeer';
import { MqttHeartbeat } from '../../../../../engine/connect/mqtt/output/MqttHeartbeat';
import { MqttControllerPeer, type ControllerLatch } from '../../../../../engine/connect/mqtt/output/MqttControllerPeer';
import { heartbeatTopic } from '../../../../../engine/connect/mqtt/topics';
import { TestResources, brokerUrl, rawClient, skipReason, sleep, until } from './mqttTestKit';

const SITE = 'plant-a';
const ASSETS = ['pump-101', 'fan-201'];

/** The engine heartbeat and its Last Will, as a controller on a real broker sees them. */
describe.skipIf(skipReason !== null)(`MqttHeartbeat against mosquitto${skipReason ? ` — SKIPPED: ${skipReason}` : ''}`, () => {
  const res = new TestResources();
  let broker: LocalPeer;
  beforeEach(async () => {
    res.begin();
    broker = await res.mosquitto();
  });
  afterEach(() => res.end());

  const setup = async (watchdogMs: number) => {
    const url = brokerUrl(broker);
    const controller = res.track(await MqttControllerPeer.start({ url, site: SITE, engineId: 'engine-1', assetIds: ASSETS, watchdogMs }));
    const latches: { latch: ControllerLatch; atMs: number }[] = [];
    controller.onLatch((latch) => latches.push({ latch, atMs: Date.now() }));
    const heartbeat = res.track(await MqttHeartbeat.start({ url, site: SITE, engineId: 'engine-1', periodMs: 100 }));
    await until(() => controller.counters().heartbeats >= 3, 2000, 'three heartbeats');
    return { url, controller, heartbeat, latches };
  };

  it('given a running engine, when heartbeats flow, then each carries the next sequence number and a message expiry, and nothing trips', async () => {
    const { url, controller, heartbeat, latches } = await setup(400);
    const seen: IPublishPacket[] = [];
    const observer = res.client(await rawClient(url));
    observer.on('message', (_t, _p, packet) => seen.push(packet));
    await observer.subscribeAsync(heartbeatTopic(SITE, 'engine-1'), { qos: 0 });
    await until(() => seen.length >= 3, 2000, 'the observer to see three heartbeats');

    const bodies = seen.map((p) => JSON.parse(p.payload.toString()) as { engineId: string; seq: number; atMs: number });
    expect(bodies.map((b) => b.seq)).toEqual(Array.from({ length: bodies.length }, (_, i) => bodies[0]!.seq + i));
    expect(bodies[0]).toEqual({ engineId: 'engine-1', seq: bodies[0]!.seq, atMs: expect.any(Number) });
    expect(seen.every((p) => p.qos === 0 && p.retain === false && p.properties?.messageExpiryInterval === 1)).toBe(true);
    expect(latches).toEqual([]);
    expect(controller.counters()).toMatchObject({ malformedHeartbeats: 0, deadMessages: 0, watchdogTrips: 0 });
    expect(heartbeat.counters()).toMatchObject({ skipped: 0 });
  });

  it('given a controller with a 400 ms watchdog, when the engine stops cleanly, then no will is published and the controller trips every asset once the watchdog expires', async () => {
    const { controller, heartbeat, latches } = await setup(400);
    await heartbeat.dispose();
    const stoppedAtMs = Date.now();
    await until(() => latches.length === ASSETS.length, 3000, 'every asset to trip');

    expect(latches.map((l) => [l.latch.assetId, l.latch.cause, l.latch.commandId])).toEqual(ASSETS.map((a) => [a, 'heartbeat-lost', null]));
    // The watchdog counts from the last heartbeat, which arrived about one period (100 ms) before the stop.
    expect(latches[0]!.atMs - stoppedAtMs).toBeGreaterThanOrEqual(400 - 200);
    expect(controller.counters()).toMatchObject({ deadMessages: 0, watchdogTrips: 1 });
  });

  it('given a controller with a long watchdog, when the engine connection drops abruptly, then the broker publishes the Last Will and the controller trips every asset at once', async () => {
    const { controller, heartbeat, latches } = await setup(10_000);
    const killedAtMs = Date.now();
    await heartbeat.kill();
    await until(() => latches.length === ASSETS.length, 2000, 'every asset to trip on the will');

    expect(latches.map((l) => [l.latch.assetId, l.latch.cause])).toEqual(ASSETS.map((a) => [a, 'engine-dead']));
    const willMs = latches[0]!.atMs - killedAtMs;
    expect(willMs).toBeLessThan(1000);
    console.log(`Last Will → controller trip ${willMs} ms after the engine's socket was destroyed`);
    expect(controller.counters()).toMatchObject({ deadMessages: 1, watchdogTrips: 0 });
    await sleep(50);
    expect(controller.latched()).toHaveLength(ASSETS.length);
  });
});
