import { afterEach, describe, expect, it } from 'vitest';
import { MOSQUITTO, startMosquitto } from '../../../engine/connect/localPeer';
import { SOURCE_REJECTS } from '../../../engine/connect/mqtt/MqttSource';
import { startDemoConsole, type DemoConsole } from '../../../engine/service/demoConsole';

/**
 * The demo plant through an MQTT broker, as a real plant's gateways publish: Vigil's embedded
 * broker (no external service), and a configured one (mosquitto, MQTT 5). The engine takes every
 * frame from the broker; nothing is refused on the way.
 */

const running: DemoConsole[] = [];
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of running.splice(0)) await c.stop();
  for (const s of stops.splice(0)) await s();
});

async function framesFlow(c: DemoConsole): Promise<void> {
  await expect.poll(() => c.engine.ingest.counters().frames, { timeout: 20_000 }).toBeGreaterThan(100);
  const s = c.mqtt!.source.counters();
  expect(s.received).toBeGreaterThan(100);
  expect(SOURCE_REJECTS.filter((r) => s.rejected[r] > 0)).toEqual([]);
  expect(s.sequence.gaps).toBe(0);
  const ingest = c.engine.ingest.counters();
  expect(Object.values(ingest.rejected).reduce((n, v) => n + v, 0)).toBe(0);
  expect(c.engine.status().source).toMatch(/via MQTT/);
}

describe('the demo plant through MQTT', () => {
  it('given the embedded broker, when the demo console runs, then the engine takes every frame from it and none is refused', async () => {
    const c = await startDemoConsole({ dbPath: ':memory:', statusIntervalMs: 200, mqtt: {} });
    running.push(c);
    expect(c.mqtt).toMatchObject({ embedded: true, url: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+$/) });
    await framesFlow(c);
  }, 60_000);

  it.skipIf(!MOSQUITTO)('given a configured broker (mosquitto, MQTT 5), when the demo console runs, then it uses that one', async () => {
    const broker = await startMosquitto();
    stops.push(() => broker.stop());
    const c = await startDemoConsole({ dbPath: ':memory:', statusIntervalMs: 200, mqtt: { url: `mqtt://127.0.0.1:${broker.port}` } });
    running.push(c);
    expect(c.mqtt).toMatchObject({ embedded: false, url: `mqtt://127.0.0.1:${broker.port}` });
    await framesFlow(c);
  }, 60_000);
});
