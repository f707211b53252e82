import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseControllerEvents, readControllerState, startModbusController, type ModbusControllerPeer } from '../../../../engine/connect/modbus/modbusController';
import { ModbusHeartbeat } from '../../../../engine/connect/modbus/ModbusHeartbeat';
import { CONTROLLER_UNAVAILABLE, SKIP_NOTE, TestResources, nsToMs, sleep, waitFor } from './modbusTestKit';

const WATCHDOG_MS = 300;
const PERIOD_MS = 50;
/** How late the controller may notice an overdue heartbeat: its asyncio wake-up on two shared cores. */
const MARGIN_MS = 250;
const ASSETS = 3;

const allWatchdog = { tripped: Array<boolean>(ASSETS).fill(true), causes: Array<string>(ASSETS).fill('watchdog') };

const armed = (ctl: ModbusControllerPeer) => waitFor(() => parseControllerEvents(ctl.output()).armedMonoNs.length > 0, 10_000, () => `the controller to arm: ${ctl.output()}`);
const allTripped = (ctl: ModbusControllerPeer) => waitFor(() => {
  const e = parseControllerEvents(ctl.output());
  return e.trips.length === ASSETS && e;
}, 5_000, () => `${ASSETS} trips: ${ctl.output()}`);

/** Runs heartbeatChild.ts in its own Node process; resolves once it is connected. */
async function startChild(res: TestResources, args: number[]) {
  const child = res.child(spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'heartbeatChild.ts'), ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += String(d)));
  child.stderr?.on('data', (d: Buffer) => (out += String(d)));
  await waitFor(() => out.includes('CONNECTED'), 15_000, () => `the heartbeat child to connect: ${out}`);
  return { child, output: () => out };
}

/** The heartbeat against a real pymodbus controller whose watchdog trips everything when it stops. */
describe.skipIf(CONTROLLER_UNAVAILABLE !== null)(`ModbusHeartbeat and the controller watchdog${SKIP_NOTE}`, () => {
  const res = new TestResources();
  beforeEach(() => res.begin());
  afterEach(() => res.end());

  it(`given a ${PERIOD_MS} ms heartbeat and a ${WATCHDOG_MS} ms watchdog, when it runs for three watchdog periods then nothing trips, and when disposed the controller trips every asset with cause watchdog within watchdogMs + ${MARGIN_MS} ms`, async () => {
    const ctl = res.peer(await startModbusController({ assets: ASSETS, watchdogMs: WATCHDOG_MS }));
    const heartbeat = res.add(new ModbusHeartbeat({ host: '127.0.0.1', port: ctl.port, periodMs: PERIOD_MS }));
    await armed(ctl);

    await sleep(3 * WATCHDOG_MS);
    const running = await readControllerState(ctl);
    const counted = heartbeat.counters();
    const disposedNs = process.hrtime.bigint();
    heartbeat.dispose();
    const events = await allTripped(ctl);

    expect(running).toMatchObject({ tripped: [false, false, false], causes: ['none', 'none', 'none'], armed: true, expiries: 0 });
    expect(running.toggles).toBeGreaterThanOrEqual(5);
    expect(counted).toMatchObject({ failures: 0, lastError: null, link: { connects: 1, reconnects: 0 } });
    expect(counted.toggles).toBeGreaterThanOrEqual(5);
    expect(events.trips.map((t) => [t.asset, t.cause])).toEqual([[0, 'watchdog'], [1, 'watchdog'], [2, 'watchdog']]);
    for (const t of events.trips) {
      expect(t.monoNs).toBeGreaterThan(disposedNs);
      expect(nsToMs(t.monoNs - disposedNs)).toBeLessThanOrEqual(WATCHDOG_MS + MARGIN_MS);
    }
    const [expiry] = events.watchdogExpiries;
    expect(events.watchdogExpiries).toHaveLength(1);
    expect(expiry!.lastToggleMonoNs).toBeLessThan(disposedNs);
    expect(nsToMs(expiry!.monoNs - expiry!.lastToggleMonoNs)).toBeGreaterThanOrEqual(WATCHDOG_MS);
    const after = await readControllerState(ctl);
    expect(after).toMatchObject({ ...allWatchdog, armed: false, expiries: 1 });
    expect(after.toggles).toBeGreaterThanOrEqual(running.toggles);
  });

  it('given the engine process is killed with SIGKILL, then the controller trips every asset with cause watchdog', async () => {
    const ctl = res.peer(await startModbusController({ assets: ASSETS, watchdogMs: WATCHDOG_MS }));
    const { child } = await startChild(res, [ctl.port, PERIOD_MS]);
    await armed(ctl);
    await sleep(2 * WATCHDOG_MS);
    const before = await readControllerState(ctl);

    const killedNs = process.hrtime.bigint();
    child.kill('SIGKILL');
    const events = await allTripped(ctl);

    expect(before).toMatchObject({ tripped: [false, false, false], armed: true, expiries: 0 });
    expect(events.trips.map((t) => t.cause)).toEqual(['watchdog', 'watchdog', 'watchdog']);
    for (const t of events.trips) expect(nsToMs(t.monoNs - killedNs)).toBeLessThanOrEqual(WATCHDOG_MS + MARGIN_MS);
    expect(events.watchdogExpiries[0]!.lastToggleMonoNs).toBeLessThan(killedNs);
    expect(await readControllerState(ctl)).toMatchObject({ ...allWatchdog, armed: false, expiries: 1 });
  });

  it('given the engine thread blocks for longer than the watchdog, then the controller trips during the stall, and the trips stay latched when the heartbeat resumes', async () => {
    const stallMs = 3 * WATCHDOG_MS;
    const ctl = res.peer(await startModbusController({ assets: ASSETS, watchdogMs: WATCHDOG_MS }));
    const { output } = await startChild(res, [ctl.port, PERIOD_MS, 2 * WATCHDOG_MS, stallMs]);
    await waitFor(() => output().includes('STALL end'), 10_000, () => `the stall to end: ${output()}`);
    const beginNs = BigInt(/STALL begin monoNs=(\d+)/.exec(output())![1]!);
    const endNs = BigInt(/STALL end monoNs=(\d+)/.exec(output())![1]!);
    // The heartbeat resumes after the stall: the controller re-arms but does not un-trip.
    await waitFor(() => parseControllerEvents(ctl.output()).armedMonoNs.length === 2, 5_000, () => `the controller to re-arm: ${ctl.output()}`);
    const events = parseControllerEvents(ctl.output());

    expect(events.trips.map((t) => t.cause)).toEqual(['watchdog', 'watchdog', 'watchdog']);
    for (const t of events.trips) {
      expect(t.monoNs).toBeGreaterThan(beginNs);
      expect(t.monoNs).toBeLessThan(endNs);
    }
    expect(nsToMs(events.watchdogExpiries[0]!.monoNs - events.watchdogExpiries[0]!.lastToggleMonoNs)).toBeGreaterThanOrEqual(WATCHDOG_MS);
    expect(events.armedMonoNs[1]).toBeGreaterThan(endNs);
    expect(await readControllerState(ctl)).toMatchObject({ ...allWatchdog, armed: true, expiries: 1 });
  });
});
