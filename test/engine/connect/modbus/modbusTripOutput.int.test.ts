import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseControllerEvents, readControllerState, startModbusController } from '../../../../engine/connect/modbus/modbusController';
import { ModbusTripOutput, type ModbusTripTarget } from '../../../../engine/connect/modbus/ModbusTripOutput';
import { CONTROLLER_UNAVAILABLE, SKIP_NOTE, TestResources, recordOutcomes, sleep, waitFor } from './modbusTestKit';

const HOST = '127.0.0.1';
const pumps = (n: number): Record<string, ModbusTripTarget> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`pump-${i}`, { coil: i }]));
const trip = (assetId: string, commandId?: string) => ({ assetId, decidedAtMs: 1_000, reason: 'score 3.2 ≥ danger 3', ...(commandId ? { commandId } : {}) });
const noFailures = { mismatch: 0, exception: 0, timeout: 0, disconnected: 0 };

/** The Modbus trip output against a real pymodbus controller on a loopback port. */
describe.skipIf(CONTROLLER_UNAVAILABLE !== null)(`ModbusTripOutput${SKIP_NOTE}`, () => {
  const res = new TestResources();
  beforeEach(() => res.begin());
  afterEach(() => res.end());

  it('given a connected output, when an asset is tripped, then the receipt comes back at once, the coil is verified by read-back and the controller latches the asset with cause command', async () => {
    const ctl = res.peer(await startModbusController({ assets: 4, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: pumps(4) }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    const receipt = out.requestTrip(trip('pump-2', 'estop-1'));
    expect(log.all).toEqual([]); // returned before the controller answered
    const o = await log.of(1);

    expect(receipt).toEqual({ actuator: `modbus:${HOST}:${ctl.port}`, commandedAtMs: expect.any(Number) });
    expect(o).toEqual({
      assetId: 'pump-2', commandId: 'estop-1', seq: 1, commandedAtMs: receipt.commandedAtMs, verifiedAtMs: expect.any(Number),
      latencyMs: expect.any(Number), outcome: 'verified', acknowledged: true, queuedBehind: 0, detail: 'coil 2 reads 1',
    });
    expect(o.latencyMs).toBeGreaterThan(0);
    expect(o.verifiedAtMs).toBeGreaterThanOrEqual(o.commandedAtMs);
    expect(await readControllerState(ctl)).toEqual({ tripped: [false, false, true, false], causes: ['none', 'none', 'command', 'none'], armed: false, toggles: 0, expiries: 0 });
    expect(parseControllerEvents(ctl.output()).trips).toEqual([{ asset: 2, cause: 'command', monoNs: expect.any(BigInt) }]);
    expect(out.counters()).toEqual({ commands: 1, verified: 1, written: 0, refused: 0, failures: noFailures, listenerErrors: 0, link: { connectAttempts: 1, connects: 1, reconnects: 0, disconnects: 0, lastError: null } });
  });

  it('given verify off (a PLC that clears its own command coil), when an asset is tripped, then the acknowledged write is the outcome and nothing is read back', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: pumps(2), verify: false }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    out.requestTrip(trip('pump-1'));
    const o = await log.of(1);

    expect(o).toMatchObject({ assetId: 'pump-1', outcome: 'written', acknowledged: true, verifiedAtMs: null, detail: 'coil 1 write acknowledged (no read-back: verify is off)' });
    expect((await readControllerState(ctl)).causes).toEqual(['none', 'command']);
    expect(out.counters()).toMatchObject({ commands: 1, verified: 0, written: 1, failures: noFailures });
  });

  it('given three trips issued together, then each is verified and the later ones report how many requests they queued behind', async () => {
    const ctl = res.peer(await startModbusController({ assets: 4, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: pumps(4) }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    for (const id of ['pump-0', 'pump-1', 'pump-3']) out.requestTrip(trip(id));
    await log.of(3);

    expect(log.all.map((o) => [o.assetId, o.commandId, o.outcome, o.queuedBehind])).toEqual([
      ['pump-0', null, 'verified', 0],
      ['pump-1', null, 'verified', 1],
      ['pump-3', null, 'verified', 2],
    ]);
    expect((await readControllerState(ctl)).causes).toEqual(['command', 'command', 'none', 'command']);
  });

  it('given an asset mapped to a command register, when tripped, then the register write is verified and the controller latches it', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: { 'fan-1': { register: 1, value: 0x5452 } } }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    out.requestTrip(trip('fan-1'));

    expect(await log.of(1)).toMatchObject({ assetId: 'fan-1', outcome: 'verified', acknowledged: true, detail: 'holding register 1 reads 21586' });
    expect((await readControllerState(ctl)).causes).toEqual(['none', 'command']);
  });

  it('given an asset mapped to an address the controller does not have, when tripped, then the outcome is a Modbus exception and later trips of valid assets are still verified', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: { ...pumps(2), ghost: { coil: 4_000 } } }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    out.requestTrip(trip('ghost'));
    const failed = await log.of(1);
    out.requestTrip(trip('pump-1'));
    const after = await log.of(2);

    expect(failed).toMatchObject({ assetId: 'ghost', outcome: 'exception', acknowledged: false, verifiedAtMs: null, detail: 'ILLEGAL DATA ADDRESS (code 2) on the write of coil 4000' });
    expect(failed.latencyMs).toBeGreaterThan(0);
    expect(after).toMatchObject({ assetId: 'pump-1', outcome: 'verified' });
    expect(out.counters()).toMatchObject({ commands: 2, verified: 1, failures: { ...noFailures, exception: 1 }, link: { connects: 1, reconnects: 0 } });
    expect((await readControllerState(ctl)).causes).toEqual(['none', 'command']);
  });

  it('given an asset whose coil the controller clears again (its reset coil), when tripped, then the acknowledged write is reported as a mismatch, not as verified', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: { misconfigured: { coil: ctl.resetCoil } } }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    out.requestTrip(trip('misconfigured'));

    expect(await log.of(1)).toMatchObject({ outcome: 'mismatch', acknowledged: true, verifiedAtMs: null, detail: `coil ${ctl.resetCoil} was acknowledged but reads 0` });
    expect(out.counters().failures).toEqual({ ...noFailures, mismatch: 1 });
  });

  it('given an asset without a configured address, when tripped, then requestTrip throws a clear error and nothing is sent', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: pumps(2) }));
    await out.whenConnected(5_000);

    expect(() => out.requestTrip(trip('compressor-9'))).toThrow('no Modbus address configured for asset "compressor-9" (configured: pump-0, pump-1); trip NOT sent');
    expect(out.counters()).toMatchObject({ commands: 0, refused: 0 });
    expect((await readControllerState(ctl)).tripped).toEqual([false, false]);
  });

  it('given a controller that stops answering, when tripped, then the outcome is a timeout, the output reconnects, and once the controller resumes a trip is verified', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: pumps(2), requestTimeoutMs: 300 }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    process.kill(ctl.pid, 'SIGSTOP');
    out.requestTrip(trip('pump-0'));
    const timedOut = await log.of(1);
    process.kill(ctl.pid, 'SIGCONT');
    await waitFor(() => out.counters().link.reconnects === 1 && out.connected, 5_000, () => `a reconnect (${JSON.stringify(out.counters().link)})`);
    out.requestTrip(trip('pump-1'));

    expect(timedOut).toMatchObject({ outcome: 'timeout', acknowledged: false, verifiedAtMs: null, detail: 'no reply to the write of coil 0 within the request timeout; reconnecting' });
    expect(await log.of(2)).toMatchObject({ assetId: 'pump-1', outcome: 'verified' });
    // The timed-out write was still in the controller's socket buffer: it landed once the controller resumed.
    expect((await readControllerState(ctl)).causes).toEqual(['command', 'command']);
  });

  it('given the controller is killed, then the unanswered trip ends disconnected, later trips throw, reconnects back off, and after a restart on the same port a trip is verified again', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000 }));
    // A fixed jitter draw makes the back-off schedule 90, 180, 360, 720, 1440 ms.
    const out = res.add(new ModbusTripOutput({ host: HOST, port: ctl.port, assets: pumps(2), random: () => 0.5 }));
    const log = recordOutcomes(out);
    await out.whenConnected(5_000);

    // Frozen first so the write is surely unanswered when the process dies.
    process.kill(ctl.pid, 'SIGSTOP');
    out.requestTrip(trip('pump-0', 'estop-7'));
    await ctl.kill();
    const lost = await log.of(1);
    await waitFor(() => !out.connected, 2_000, () => 'the output to notice the controller is gone');
    const refusedAt = out.counters().link.connectAttempts;
    const refusal = (() => {
      try {
        out.requestTrip(trip('pump-1', 'estop-8'));
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    })();
    await sleep(2_000);
    const attemptsIn2s = out.counters().link.connectAttempts - refusedAt;
    const restarted = res.peer(await startModbusController({ assets: 2, watchdogMs: 5_000, port: ctl.port }));
    await out.whenConnected(6_000);
    out.requestTrip(trip('pump-1', 'estop-9'));
    const again = await log.of(2);

    expect(lost).toMatchObject({ assetId: 'pump-0', commandId: 'estop-7', outcome: 'disconnected', acknowledged: false, verifiedAtMs: null });
    expect(lost.detail).toMatch(/^connection closed during the write of coil 0/);
    expect(refusal).toMatch(new RegExp(`^modbus:${HOST}:${ctl.port}: not connected to the controller \\(${HOST}:${ctl.port} unreachable \\(\\d+ failed attempts, last error: .+\\); next attempt in \\d+ ms\\); trip of asset "pump-1" NOT sent$`));
    expect(attemptsIn2s).toBeGreaterThanOrEqual(3);
    expect(attemptsIn2s).toBeLessThanOrEqual(6);
    expect(again).toMatchObject({ assetId: 'pump-1', commandId: 'estop-9', seq: 2, outcome: 'verified' });
    expect(out.counters()).toMatchObject({ commands: 2, verified: 1, refused: 1, failures: { ...noFailures, disconnected: 1 }, link: { connects: 2, reconnects: 1, disconnects: 1 } });
    // The killed controller took pump-0's latch with it; the restarted one has only the verified trip.
    expect((await readControllerState(restarted)).causes).toEqual(['none', 'command']);
  });
});
