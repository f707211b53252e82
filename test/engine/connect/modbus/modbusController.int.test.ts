import { Socket } from 'node:net';
import Modbus from 'jsmodbus';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseControllerEvents, readControllerState, startModbusController, type ModbusControllerPeer } from '../../../../engine/connect/modbus/modbusController';
import { CONTROLLER_UNAVAILABLE, SKIP_NOTE, TestResources, sleep } from './modbusTestKit';

/** A bare jsmodbus client, to poke the controller the way any SCADA tool would. */
async function rawClient(res: TestResources, ctl: ModbusControllerPeer) {
  const socket = new Socket();
  const client = new Modbus.client.TCP(socket, 1, 2000);
  res.add({ dispose: () => socket.destroy() });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port: ctl.port });
  });
  return client;
}

/** What the error of a rejected jsmodbus request says, for a whole-value assertion. */
const rejection = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { err: string; message: string }) => `${e.err}: ${e.message}`);

/** The pymodbus controller itself: the behaviour the trip output and the heartbeat rely on. */
describe.skipIf(CONTROLLER_UNAVAILABLE !== null)(`modbus controller peer${SKIP_NOTE}`, () => {
  const res = new TestResources();
  beforeEach(() => res.begin());
  afterEach(() => res.end());

  it('given 2 assets, when an address beyond the configured tables is read or written, then the answer is a Modbus exception ILLEGAL DATA ADDRESS', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 1_000 }));
    const client = await rawClient(res, ctl);

    expect(await rejection(client.readCoils(2, 1))).toBe('ModbusException: ModbusException: ILLEGAL DATA ADDRESS (Code 2) (Device Address 1)');
    expect(await rejection(client.readInputRegisters(0, 3))).toMatch(/ILLEGAL DATA ADDRESS \(Code 2\)/);
    expect(await rejection(client.writeSingleCoil(999, true))).toMatch(/ILLEGAL DATA ADDRESS \(Code 2\)/);
    expect(await rejection(client.readCoils(0, 2))).toBe('resolved');
  });

  it('given an unarmed watchdog, when the heartbeat coil is written with the value it holds, then that is no toggle: the watchdog stays unarmed and nothing trips', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 100 }));
    const client = await rawClient(res, ctl);

    for (let i = 0; i < 3; i++) await client.writeSingleCoil(ctl.heartbeatCoil, false);
    await sleep(300);

    expect(await readControllerState(ctl)).toEqual({ tripped: [false, false], causes: ['none', 'none'], armed: false, toggles: 0, expiries: 0 });
  });

  it('given an asset tripped by command, when the watchdog expires later, then its first cause stays command; and the reset coil clears every latch', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 100 }));
    const client = await rawClient(res, ctl);

    await client.writeSingleCoil(1, true);
    await client.writeSingleCoil(ctl.heartbeatCoil, true); // arms; no further toggle follows
    await sleep(300);
    const tripped = await readControllerState(ctl);
    await client.writeSingleCoil(ctl.resetCoil, true);
    const reset = await readControllerState(ctl);
    const coils = await client.readCoils(0, 2);

    expect(tripped).toEqual({ tripped: [true, true], causes: ['watchdog', 'command'], armed: false, toggles: 1, expiries: 1 });
    expect(reset).toEqual({ tripped: [false, false], causes: ['none', 'none'], armed: false, toggles: 1, expiries: 1 });
    expect(Array.from(coils.response.body.valuesAsArray.slice(0, 2), Number)).toEqual([0, 0]);
    expect(parseControllerEvents(ctl.output())).toMatchObject({ trips: [{ asset: 1, cause: 'command' }, { asset: 0, cause: 'watchdog' }], resets: 1 });
  });

  it('given the process-value block 2000..2099 with a preset, when holding registers are written, then the input registers mirror them, and reading past the block is still ILLEGAL DATA ADDRESS', async () => {
    const ctl = res.peer(await startModbusController({ assets: 2, watchdogMs: 1_000, presets: { 2099: 7 } }));
    const client = await rawClient(res, ctl);

    await client.writeMultipleRegisters(2000, [1, 0xffff]);
    const holding = await client.readHoldingRegisters(2000, 2);
    const input = await client.readInputRegisters(2098, 2);
    const mirrored = await client.readInputRegisters(2000, 2);

    expect([...holding.response.body.valuesAsArray, ...input.response.body.valuesAsArray, ...mirrored.response.body.valuesAsArray]).toEqual([1, 0xffff, 0, 7, 1, 0xffff]);
    expect(await rejection(client.readHoldingRegisters(2099, 2))).toMatch(/ILLEGAL DATA ADDRESS \(Code 2\)/);
    expect(await rejection(client.readInputRegisters(1999, 1))).toMatch(/ILLEGAL DATA ADDRESS \(Code 2\)/);
    expect(parseControllerEvents(ctl.output()).trips).toEqual([]);
  });
});
