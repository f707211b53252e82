import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MqttTripOutput, type TripEscalation, type TripOutcome } from '../../../../../engine/connect/mqtt/output/MqttTripOutput';
import type { ReconnectBackoff } from '../../../../../engine/connect/mqtt/output/MqttSession';
import { MqttControllerPeer } from '../../../../../engine/connect/mqtt/output/MqttControllerPeer';
import { TestResources, brokerUrl, skipReason, sleep, until } from './mqttTestKit';

const SITE = 'plant-a';
const BACKOFF: ReconnectBackoff = { firstDelayMs: 50, maxDelayMs: 400 };

/** Most attempts the back-off allows in `outageMs`: the delays double from the first to the cap; one more for slack. */
function maxAttempts(outageMs: number, b: ReconnectBackoff): number {
  let n = 0;
  for (let t = 0, d = b.firstDelayMs; t <= outageMs; t += d, d = Math.min(b.maxDelayMs, d * 2)) n++;
  return n + 1;
}

/** A broker outage: commands refused while it lasts (never queued), reconnection with bounded back-off, trips acknowledged again after. */
describe.skipIf(skipReason !== null)(`MqttTripOutput through a broker outage${skipReason ? ` — SKIPPED: ${skipReason}` : ''}`, () => {
  const res = new TestResources();
  beforeEach(() => res.begin());
  afterEach(() => res.end());

  it('given a broker that freezes and dies, when trips are requested, then the unconfirmed one is never replayed, new ones throw a clear error, and after a restart on the same port the output reconnects and trips are acknowledged again', async () => {
    const broker = await res.mosquitto();
    const url = brokerUrl(broker);
    const controller = res.track(await MqttControllerPeer.start({ url, site: SITE, backoff: BACKOFF }));
    const escalations: TripEscalation[] = [];
    const output = res.track(await MqttTripOutput.connect({ url, site: SITE, ackTimeoutMs: 300, backoff: BACKOFF, onEscalation: (e) => escalations.push(e) }));
    const outcomes: TripOutcome[] = [];
    output.onOutcome((x) => outcomes.push(x));

    // Given a working path.
    output.requestTrip({ assetId: 'pump-101', decidedAtMs: 1, reason: 'before', commandId: 'before' });
    await until(() => output.counters().acks === 1, 2000, 'the first ack');

    // When the broker freezes (the command reaches its socket, no PUBACK comes back) and then dies.
    process.kill(broker.pid, 'SIGSTOP');
    output.requestTrip({ assetId: 'pump-102', decidedAtMs: 2, reason: 'during the freeze', commandId: 'in-flight' });
    await sleep(50);
    await broker.kill();
    const downAtMs = Date.now();
    await until(() => !output.connected, 2000, 'the output to notice');

    // Then the unconfirmed command is reported, and a new trip throws rather than waiting in a queue.
    expect(outcomes.filter((x) => x.kind === 'unconfirmed')).toEqual([{ kind: 'unconfirmed', commandId: 'in-flight', assetId: 'pump-102', error: 'Message removed' }]);
    expect(() => output.requestTrip({ assetId: 'pump-103', decidedAtMs: 3, reason: 'during the outage' })).toThrow(
      /^trip of pump-103 not sent: the MQTT trip output "mqtt" is not connected to mqtt:\/\/127\.0\.0\.1:\d+ \(down since \d{4}-\d\d-\d\dT[\d:.]+Z, \d+ reconnect attempts(, last error: .+)?\); trips are never queued for later, so stop the machine another way$/,
    );
    await until(() => escalations.length === 1, 2000, 'the in-flight command to escalate');
    expect(escalations[0]!.message).toBe('no acknowledgement from the controller of pump-102 within 300 ms (the connection to the broker dropped before it confirmed the command): check the controller; the trip may not have happened');

    // When the broker comes back on the same port after about a second.
    await sleep(1000);
    const attemptsWhileDown = output.counters().reconnectAttempts;
    await res.mosquitto({ port: broker.port });
    const upAtMs = Date.now();
    await until(() => output.connected && controller.connected, BACKOFF.maxDelayMs + 2000, 'both clients to reconnect');
    const reconnectMs = Date.now() - upAtMs;

    // Then the output reconnected within the back-off cap, having tried a bounded number of times.
    expect(attemptsWhileDown).toBeGreaterThanOrEqual(2);
    expect(attemptsWhileDown).toBeLessThanOrEqual(maxAttempts(upAtMs - downAtMs, BACKOFF));
    expect(reconnectMs).toBeLessThan(BACKOFF.maxDelayMs + 500);
    console.log(`outage ${upAtMs - downAtMs} ms: ${attemptsWhileDown} reconnect attempts while down, reconnected ${reconnectMs} ms after the broker listened`);

    // And trips are acknowledged again; the in-flight command never reached the controller, not even after reconnection.
    output.requestTrip({ assetId: 'pump-104', decidedAtMs: 4, reason: 'after', commandId: 'after' });
    await until(() => output.counters().acks === 2, 2000, 'the ack after reconnection');
    await sleep(200);
    expect(controller.commands().map((c) => c.commandId)).toEqual(['before', 'after']);
    expect(output.counters()).toMatchObject({ commands: 3, refused: 1, acks: 2, unconfirmed: 1, timeouts: 1, late: 0, reconnects: 1 });
  });

  it('given no broker at the address, when the output connects, then it rejects with the reason after its connect timeout and leaves nothing running', async () => {
    const broker = await res.mosquitto();
    await broker.stop();
    await expect(MqttTripOutput.connect({ url: brokerUrl(broker), site: SITE, connectTimeoutMs: 300, backoff: BACKOFF })).rejects.toThrow(
      /^could not connect to the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ within 300 ms: connect ECONNREFUSED/,
    );
  });
});
