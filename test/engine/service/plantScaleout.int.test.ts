import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePlantConfig } from '../../../engine/config/plant/loadPlantConfig';
import { MOSQUITTO, startMosquitto } from '../../../engine/connect/localPeer';
import { encodeWave } from '../../../engine/connect/mqtt/frameCodec';
import { MqttControllerPeer } from '../../../engine/connect/mqtt/output/MqttControllerPeer';
import { waveTopic } from '../../../engine/connect/mqtt/topics';
import { startPlantTripOutputs } from '../../../engine/connect/plantTripOutputs';
import { NATS_SERVER, startNatsServer } from '../../../engine/connect/scaleout/natsPeer';
import { startPlantConsole, type PlantConsole } from '../../../engine/service/plantConsole';
import { pumpAssetYaml } from '../../support/pumpAssetYaml';
import { rawClient, until } from '../connect/mqtt/output/mqttTestKit';

const skip = !MOSQUITTO ? 'mosquitto is not installed' : !NATS_SERVER ? 'nats-server is not installed (apt-get install nats-server)' : null;
const RATE_HZ = 12_800;
const FRAME_SAMPLES = 128;
const ASSETS = ['p1', 'p2', 'p3', 'p4'];

function plantYaml(brokerPort: number, natsUrl: string): string {
  return `site: shared
sources:
  - { id: broker, kind: mqtt, url: 'mqtt://127.0.0.1:${brokerPort}' }
assets:
${ASSETS.map((id) => pumpAssetYaml({ id, source: 'broker', channel: 'de' })).join('')}outputs:
  - { kind: mqtt, source: broker, ackTimeoutMs: 1000 }
scaleout: { nats: ['${natsUrl}'], leaseMs: 1000 }
`;
}

/** A gateway publishing every pump's 10 ms frames in real time; `loud` pumps shake at 2 g (far past danger). */
function startGateway(client: MqttClient): { loud: Set<string>; stop(): void } {
  const loud = new Set<string>();
  let n = 0;
  const t0 = Date.now();
  const timer = setInterval(() => {
    for (const due = Math.floor((Date.now() - t0) / 10); n < due; n++) {
      for (const id of ASSETS) {
        const g = loud.has(id) ? 2 : 0.05;
        const samples = new Float32Array(FRAME_SAMPLES);
        for (let i = 0; i < FRAME_SAMPLES; i++) samples[i] = g * Math.sin((2 * Math.PI * 50 * (n * FRAME_SAMPLES + i)) / RATE_HZ);
        client.publish(waveTopic('shared', id, 'de'), encodeWave({ seq: n, startMs: t0 + n * 10, sampleRateHz: RATE_HZ, samples }), { qos: 0 });
      }
    }
  }, 5);
  return { loud, stop: () => clearInterval(timer) };
}

/** Which engine runs each pump, as console `c` sees it. */
const holders = (c: PlantConsole): Array<string | null | undefined> => c.engine.status().assets.map((a) => a.heldBy);

/**
 * Two engines sharing one plant through NATS leases and one broker: each pump is run by exactly one
 * engine, every console sees who runs what, and a pump tripped by an engine that then leaves stays
 * latched on the engine that takes it over, with no second trip command.
 */
describe.skipIf(skip !== null)(`scale-out: two plant consoles share the pumps${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('given two engines, then each pump runs on one of them, both consoles agree who runs which and show every pump live, a stop from one console latches the pump on the engine running it, a trip goes out once, and the engine taking over a tripped pump keeps it latched without tripping again', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const nats = await startNatsServer();
    cleanups.push(() => nats.stop());
    const parsed = parsePlantConfig(plantYaml(broker.port, nats.url), 'plant.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const controller = await MqttControllerPeer.start({ url, site: 'shared', assetIds: ASSETS });
    cleanups.push(() => controller.dispose());
    const lines: string[] = [];
    const engine = async (engineId: string): Promise<{ c: PlantConsole; stop: () => Promise<void> }> => {
      const outputs = startPlantTripOutputs(parsed.config, { log: (l) => void lines.push(`${engineId}: ${l}`) });
      const c = await startPlantConsole(parsed.config, parsed.assets, { dbPath: ':memory:', actuator: outputs.actuator, statusIntervalMs: 100, engineId, log: (l) => void lines.push(`${engineId}: ${l}`) });
      let stopped = false;
      const stop = async (): Promise<void> => {
        if (stopped) return;
        stopped = true;
        await c.stop();
        await outputs.dispose();
      };
      cleanups.push(stop);
      return { c, stop };
    };
    const a = await engine('engine-a');
    const b = await engine('engine-b');
    const gatewayClient = await rawClient(url);
    cleanups.push(() => gatewayClient.endAsync(true));
    const gateway = startGateway(gatewayClient);
    cleanups.push(() => gateway.stop());

    // Two pumps each, the same picture in both consoles, and each engine scores only its own.
    const balanced = (): boolean => {
      const h = holders(a.c);
      return h.filter((x) => x === 'engine-a').length === 2 && h.filter((x) => x === 'engine-b').length === 2 && JSON.stringify(holders(b.c)) === JSON.stringify(h);
    };
    await until(balanced, 10_000, 'the pumps to be shared two and two');
    const mine = (c: PlantConsole, id: string) => c.engine.status().assets.filter((x) => x.heldBy === id).map((x) => x.assetId);
    // Each console shows every pump live: its own from its engine, the others' as their engine published them.
    await until(() => [a, b].every(({ c }) => c.engine.status().assets.every((x) => x.quality === 'good' && x.score === null && x.velocityRmsMmS !== null)), 10_000, 'both consoles to show every pump live');
    // Each engine takes the data of its own pumps only: the broker sends it nothing else.
    for (const [{ c }, id] of [[a, 'engine-a'], [b, 'engine-b']] as const) {
      expect(c.engine.status().connections?.find((l) => l.role === 'scale-out')?.detail).toMatch(new RegExp(`^engine ${id} runs 2 of 4 assets; .*statuses shared through the broker; 0 frames of assets run elsewhere dropped`));
      expect((c.sources.sources[0]!.counters() as { rejected: { not_followed: number } }).rejected.not_followed).toBeLessThan(10);
    }
    const [victim] = mine(a.c, 'engine-a');

    // A bypass of a pump the other engine runs is refused here, and audited as failed with the reason.
    await a.c.accounts.createFirstAdmin('ada', 'correct horse battery');
    await a.c.accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: 'bearing-grease-42' });
    const [theirs] = mine(a.c, 'engine-b');
    await expect(a.c.actions.bypass({ userName: 'erin' }, theirs!, 'sensor work')).rejects.toThrow(`${theirs} is run by engine engine-b now: do this from a console of that engine`);
    expect(a.c.accounts.audit.list({ action: 'bypass', limit: 1 })[0]).toMatchObject({ action: 'bypass', target: theirs, outcome: 'failed', actor: 'erin' });

    // An emergency stop of that pump from A's console goes out, and B, which runs it, latches it too.
    await a.c.actions.trip({ userName: 'erin' }, theirs!, 'smoke at the coupling');
    await until(() => controller.latched().some((l) => l.assetId === theirs), 5_000, 'the stop at the controller');
    await until(() => b.c.engine.status().assets.find((x) => x.assetId === theirs)?.latched === true, 5_000, 'engine B to latch the stopped pump');
    expect(b.c.engine.status().assets.find((x) => x.assetId === theirs)).toMatchObject({ level: 'danger', firstOut: { groupId: 'taken-over' }, trips: 0 });

    // Engine A's pump shakes: one trip, from A.
    gateway.loud.add(victim!);
    await until(() => controller.latched().some((l) => l.assetId === victim), 5_000, 'the trip of the shaking pump');
    await new Promise((r) => setTimeout(r, 300));
    expect(controller.commands().filter((c) => c.assetId === victim)).toHaveLength(1);
    expect(a.c.engine.status().assets.find((x) => x.assetId === victim)).toMatchObject({ latched: true, trips: 1 });

    // A leaves (its leases released): B takes A's pumps, the shaking one latched on A's trip, and sends no trip of its own.
    await a.stop();
    await until(() => mine(b.c, 'engine-b').length === 4, 5_000, 'engine B to run every pump');
    await until(() => b.c.engine.status().assets.find((x) => x.assetId === victim)?.quality === 'good', 5_000, 'engine B to score the shaking pump');
    await new Promise((r) => setTimeout(r, 500));
    expect(b.c.engine.status().assets.find((x) => x.assetId === victim)).toMatchObject({ latched: true, level: 'danger', trips: 0, firstOut: { groupId: 'taken-over' } });
    expect(controller.commands().filter((c) => c.assetId === victim)).toHaveLength(1);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^engine-b: scale-out: ${victim} latched on engine-a's trip engine-a:${victim}:\\d+`)));
    expect(b.c.engine.status().connections?.find((l) => l.role === 'scale-out')).toMatchObject({ connected: true, detail: expect.stringMatching(/^engine engine-b runs 4 of 4 assets; engines: engine-b \(4\)/) });
  });
});
