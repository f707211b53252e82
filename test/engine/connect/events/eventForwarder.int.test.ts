import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { connect } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { EventForwarder, type ForwardedEvent } from '../../../../engine/connect/events/EventForwarder';
import { MOSQUITTO, freePort, startMosquitto, type LocalPeer } from '../../../../engine/connect/localPeer';
import type { EngineEvent } from '../../../../engine/contract/events';
import { sleep, until } from '../mqtt/output/mqttTestKit';

const SITE = 'north';

/** A quality change of pump-1 numbered `n` (a forwarded kind). */
const event = (n: number): EngineEvent => ({ type: 'QualityChanged', assetId: 'pump-1', channelId: 'de', atMs: n, from: 'good', to: 'stale', reason: `event ${n}` }) as EngineEvent;

/** A plant consumer of events: subscribes to the site's events and keeps them in arrival order; reconnects and resubscribes quickly. */
async function consumer(url: string): Promise<{ client: MqttClient; got: ForwardedEvent[] }> {
  const got: ForwardedEvent[] = [];
  const client = connect(url, { protocolVersion: 5, reconnectPeriod: 50 });
  client.on('error', () => {});
  client.on('message', (_t, payload) => got.push(JSON.parse(payload.toString()) as ForwardedEvent));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync(`vigil/v1/${SITE}/+/event/+`, { qos: 1 });
  return { client, got };
}

const numbers = (got: ForwardedEvent[]): number[] => got.map((e) => (e.event as { atMs: number }).atMs);

/** Store-and-forward of engine events through a real mosquitto, with outages and restarts. */
describe.skipIf(!MOSQUITTO)(`EventForwarder${MOSQUITTO ? '' : ' (skipped: mosquitto is not installed)'}`, () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-events-'));
    cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };
  const forwarder = async (url: string, outboxPath: string): Promise<EventForwarder> => {
    const f = await EventForwarder.start({ url, site: SITE, engineId: 'e1', outboxPath, maxQueued: 1000, backoff: { firstDelayMs: 1000, maxDelayMs: 2000 } });
    cleanups.push(() => f.close());
    return f;
  };

  it('given a connected broker, when events are offered, then they arrive in order on their asset and type topic, scores are not forwarded, and the outbox empties', async () => {
    const broker: LocalPeer = await startMosquitto();
    cleanups.push(() => broker.stop());
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const sub = await consumer(url);
    cleanups.push(() => sub.client.endAsync(true));
    const f = await forwarder(url, join(dir(), 'events.sqlite'));

    for (let n = 1; n <= 20; n++) f.offer(event(n));
    f.offer({ type: 'ScoreComputed', assetId: 'pump-1' } as EngineEvent);
    await until(() => sub.got.length >= 20, 5_000, 'the 20 events');

    expect(numbers(sub.got)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(sub.got.map((e) => e.eventId)).size).toBe(20);
    expect(sub.got[0]).toMatchObject({ engineId: 'e1', site: SITE, event: { type: 'QualityChanged', assetId: 'pump-1' } });
    // The consumer can hear an event before the forwarder has its PUBACK and empties the outbox.
    await expect.poll(async () => (await f.counters())?.queued, { timeout: 5_000 }).toBe(0);
    expect(await f.counters()).toMatchObject({ queued: 0, forwarded: 20, dropped: 0, connected: true });
  });

  it('given the broker away, when events happen and the engine restarts, then they wait in the outbox file and arrive in order once the broker is back', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const outbox = join(dir(), 'events.sqlite');
    const before = await forwarder(url, outbox);
    for (let n = 1; n <= 5; n++) before.offer(event(n));
    await sleep(300);
    expect(await before.counters()).toMatchObject({ queued: 5, forwarded: 0, connected: false });
    await before.close();

    const broker = await startMosquitto({ port });
    cleanups.push(() => broker.stop());
    const sub = await consumer(url);
    cleanups.push(() => sub.client.endAsync(true));
    const after = await forwarder(url, outbox);
    after.offer(event(6));
    await until(() => sub.got.length >= 6, 8_000, 'the 6 events');

    expect(numbers(sub.got)).toEqual([1, 2, 3, 4, 5, 6]);
    // The consumer can hear an event before the forwarder has its PUBACK and empties the outbox.
    await expect.poll(async () => (await after.counters())?.queued, { timeout: 5_000 }).toBe(0);
    expect(await after.counters()).toMatchObject({ queued: 0, forwarded: 6 });
  });

  it('given a running forwarder, when the broker restarts, then events of the outage follow the earlier ones in order after reconnection', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    let broker = await startMosquitto({ port });
    cleanups.push(() => broker.stop());
    const sub = await consumer(url);
    cleanups.push(() => sub.client.endAsync(true));
    const f = await forwarder(url, join(dir(), 'events.sqlite'));
    f.offer(event(1));
    await until(() => sub.got.length === 1, 5_000, 'the first event');

    await broker.stop();
    for (let n = 2; n <= 4; n++) f.offer(event(n));
    await sleep(300);
    expect(await f.counters()).toMatchObject({ queued: 3, connected: false });
    broker = await startMosquitto({ port });
    await until(() => sub.got.length >= 4, 10_000, 'the outage events after the broker came back');

    expect(numbers(sub.got)).toEqual([1, 2, 3, 4]);
    // The consumer can hear an event before the forwarder has its PUBACK and empties the outbox.
    await expect.poll(async () => (await f.counters())?.queued, { timeout: 5_000 }).toBe(0);
    expect(await f.counters()).toMatchObject({ queued: 0, forwarded: 4, connected: true, reconnects: 1 });
  });
});
