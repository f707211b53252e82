import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startModbusController } from '../../../../engine/connect/modbus/modbusController';
import { ModbusPoller, type ModbusPolledValue, type ModbusPollerOptions } from '../../../../engine/connect/modbus/ModbusPoller';
import type { ModbusPollRegister } from '../../../../engine/connect/modbus/modbusRegisters';
import { CONTROLLER_UNAVAILABLE, SKIP_NOTE, TestResources, sleep, waitFor, writeWords } from './modbusTestKit';

const HOST = '127.0.0.1';
const AT_MS = 1_700_000_000_000;
const ILLEGAL = '2 ILLEGAL DATA ADDRESS';
const reg = (address: number, format: ModbusPollRegister['format'], channelId: string, more: Partial<ModbusPollRegister> = {}): ModbusPollRegister => ({
  address, type: 'holding', format, assetId: 'pump-1', channelId, unit: 'u', ...more,
});

/** A poller whose values are collected in order; `latest()` is each channel's newest value. */
function collect(res: TestResources, o: Omit<ModbusPollerOptions, 'sink'>) {
  const values: ModbusPolledValue[] = [];
  const poller = res.add(new ModbusPoller({ ...o, sink: (v) => values.push(v) }));
  const latest = () => new Map(values.map((v) => [v.channelId, v]));
  const each = (n: number) => waitFor(() => [...new Set(values.map((v) => v.channelId))].length >= n && latest(), 5_000, () => `values of ${n} channels (have ${JSON.stringify(values.slice(-5))}, counters ${JSON.stringify(poller.counters())})`);
  return { poller, values, latest, each };
}

/** The Modbus polling source against a real pymodbus controller on a loopback port. */
describe.skipIf(CONTROLLER_UNAVAILABLE !== null)(`ModbusPoller${SKIP_NOTE}`, () => {
  const res = new TestResources();
  beforeEach(() => res.begin());
  afterEach(() => res.end());

  it('given raw words of every format and word order in the controller, when polled, then each value arrives decoded as raw × scale + offset, from one read per contiguous block', async () => {
    const ctl = res.peer(await startModbusController({ assets: 1, watchdogMs: 60_000 }));
    await writeWords(ctl.port, 2000, [
      0xfb2e, // 2000 int16 -1234
      0xfde8, // 2001 uint16 65000
      0xfffe, 0x7960, // 2002 int32 big -100000
      0xcd15, 0x075b, // 2004 int32 little 123456789 (0x075BCD15)
      0xb2d0, 0x5e00, // 2006 uint32 big 3000000000
      0x449a, 0x5000, // 2008 float32 big 1234.5
      0x0000, 0xbe80, // 2010 float32 little -0.25
    ]);
    await writeWords(ctl.port, 2020, [500]); // mirrored into input register 2020
    const { poller, each } = collect(res, {
      host: HOST, port: ctl.port, pollMs: 50, clock: () => AT_MS,
      registers: [
        reg(2000, 'int16', 'i16', { scale: 0.1, unit: 'A' }),
        reg(2001, 'uint16', 'u16', { scale: 0.01, offset: -40, unit: '°C' }),
        reg(2002, 'int32', 'i32be', { unit: 'count' }),
        reg(2004, 'int32', 'i32le', { wordOrder: 'little', scale: 0.001, unit: 'm' }),
        reg(2006, 'uint32', 'u32be', { wordOrder: 'big', unit: 'count' }),
        reg(2008, 'float32', 'f32be', { scale: 2, offset: 1, unit: 'Hz' }),
        reg(2010, 'float32', 'f32le', { wordOrder: 'little', unit: 'g' }),
        reg(2020, 'uint16', 'load', { type: 'input', scale: 0.1, unit: '%', assetId: 'fan-2' }),
      ],
    });

    const latest = await each(8);

    const v = (assetId: string, channelId: string, value: number, unit: string) => ({ assetId, channelId, atMs: AT_MS, value, unit });
    expect([...latest.values()].sort((a, b) => a.channelId.localeCompare(b.channelId))).toEqual([
      v('pump-1', 'f32be', 1234.5 * 2 + 1, 'Hz'),
      v('pump-1', 'f32le', -0.25, 'g'),
      v('pump-1', 'i16', -1234 * 0.1, 'A'),
      v('pump-1', 'i32be', -100000, 'count'),
      v('pump-1', 'i32le', 123456789 * 0.001, 'm'),
      v('fan-2', 'load', 500 * 0.1, '%'),
      v('pump-1', 'u16', 65000 * 0.01 - 40, '°C'),
      v('pump-1', 'u32be', 3_000_000_000, 'count'),
    ]);
    expect(poller.blocks()).toEqual([
      { type: 'holding', address: 2000, count: 12, channels: ['pump-1/i16', 'pump-1/u16', 'pump-1/i32be', 'pump-1/i32le', 'pump-1/u32be', 'pump-1/f32be', 'pump-1/f32le'] },
      { type: 'input', address: 2020, count: 1, channels: ['fan-2/load'] },
    ]);
    expect(poller.counters()).toMatchObject({ exceptions: {}, timeouts: 0, nonFinite: 0, sinkErrors: 0, disconnects: 0, reconnectAttempts: 0, pollsOffline: 0 });
  });

  it('given one register at an address the controller does not have, when polled, then its block counts ILLEGAL DATA ADDRESS exceptions while the other blocks keep delivering', async () => {
    const ctl = res.peer(await startModbusController({ assets: 1, watchdogMs: 60_000, presets: { 2000: 42 } }));
    const { poller, values } = collect(res, {
      host: HOST, port: ctl.port, pollMs: 20,
      registers: [reg(2000, 'uint16', 'speed'), reg(5000, 'uint16', 'ghost'), reg(2000, 'uint16', 'speed-in', { type: 'input' })],
    });

    await waitFor(() => poller.counters().polls >= 5, 5_000, () => `5 polls (${JSON.stringify(poller.counters())})`);
    poller.dispose();
    const c = poller.counters();

    expect(new Set(values.map((v) => `${v.channelId}=${v.value}`))).toEqual(new Set(['speed=42', 'speed-in=42']));
    expect(c.exceptions[ILLEGAL]).toBeGreaterThanOrEqual(c.polls - 1);
    expect(c.exceptions[ILLEGAL]).toBeLessThanOrEqual(c.polls);
    expect(Object.keys(c.exceptions)).toEqual([ILLEGAL]);
    // Blocks run holding 2000, holding 5000, input 2000: the one after the failing block still arrives every poll.
    expect(values.filter((v) => v.channelId === 'speed-in').length).toBeGreaterThanOrEqual(c.polls - 1);
    expect(c).toMatchObject({ timeouts: 0, disconnects: 0, nonFinite: 0 });
    expect(poller.stale(Date.now() + 10_000, 3_000).map((s) => s.channelId)).toEqual(['speed', 'ghost', 'speed-in']);
    expect(poller.stale(Date.now(), 3_000).map((s) => s.channelId)).toEqual([]); // ghost is within its start-up grace
  });

  it('given a float32 holding NaN and another holding +Infinity, when polled, then both are counted as non-finite and never delivered', async () => {
    const ctl = res.peer(await startModbusController({ assets: 1, watchdogMs: 60_000 }));
    await writeWords(ctl.port, 2000, [0x7fc0, 0x0000, 0x7f80, 0x0000, 0x41c8, 0x0000]); // NaN, +Inf, 25.0
    const { poller, values } = collect(res, {
      host: HOST, port: ctl.port, pollMs: 20,
      registers: [reg(2000, 'float32', 'nan'), reg(2002, 'float32', 'inf'), reg(2004, 'float32', 'temp', { unit: '°C' })],
    });

    await waitFor(() => values.length >= 3, 5_000, () => '3 values');
    poller.dispose();
    const c = poller.counters();

    expect(new Set(values.map((v) => `${v.channelId}=${v.value}${v.unit}`))).toEqual(new Set(['temp=25°C']));
    expect(c.nonFinite).toBe(2 * values.length);
    expect(poller.channels().map((ch) => [ch.channelId, ch.lastValueAtMs === null])).toEqual([['nan', true], ['inf', true], ['temp', false]]);
  });

  it('given a polled controller that is killed, then the disconnect is counted, values stop, channels go stale after staleAfterMs, reconnects back off; and once restarted on the same port values flow again', async () => {
    const presets = { 2000: 1234, 2001: 77 };
    const ctl = res.peer(await startModbusController({ assets: 1, watchdogMs: 60_000, presets }));
    const { poller, values } = collect(res, {
      host: HOST, port: ctl.port, pollMs: 50, random: () => 0, backoff: { initialMs: 50, maxMs: 400, jitter: 0 },
      registers: [reg(2000, 'uint16', 'speed', { scale: 0.1, unit: 'Hz' }), reg(2001, 'uint16', 'temp', { unit: '°C' })],
    });
    await waitFor(() => values.length >= 4, 5_000, () => 'values before the outage');
    expect(poller.stale(Date.now(), 300)).toEqual([]);

    await ctl.kill();
    await waitFor(() => poller.counters().disconnects === 1, 2_000, () => 'the disconnect');
    const killedAt = Date.now();
    const delivered = values.length;
    await sleep(2_000);
    const down = poller.counters();
    const stale = poller.stale(Date.now(), 300);

    expect(values.length).toBe(delivered);
    expect(stale).toEqual([
      { assetId: 'pump-1', channelId: 'speed', lastValueAtMs: expect.any(Number) },
      { assetId: 'pump-1', channelId: 'temp', lastValueAtMs: expect.any(Number) },
    ]);
    expect(stale.every((s) => s.lastValueAtMs! <= killedAt)).toBe(true);
    // 50, 100, 200, 400, 400, ... ms apart: about 7 attempts in 2 s, where a 50 ms poll loop would make 40.
    expect(down.reconnectAttempts).toBeGreaterThanOrEqual(4);
    expect(down.reconnectAttempts).toBeLessThanOrEqual(9);
    expect(down.pollsOffline).toBeGreaterThanOrEqual(30);

    res.peer(await startModbusController({ assets: 1, watchdogMs: 60_000, presets, port: ctl.port }));
    await waitFor(() => values.length >= delivered + 2, 5_000, () => `values after the restart (${JSON.stringify(poller.counters())})`);

    expect(values.slice(delivered, delivered + 2).map(({ channelId, value, unit }) => ({ channelId, value, unit }))).toEqual([
      { channelId: 'speed', value: 1234 * 0.1, unit: 'Hz' },
      { channelId: 'temp', value: 77, unit: '°C' },
    ]);
    expect(poller.stale(Date.now(), 300)).toEqual([]);
    expect(poller.counters()).toMatchObject({ disconnects: 1, exceptions: {}, timeouts: 0, link: { reconnects: 1 } });
  });

  it('given a controller that stalls for longer than pollMs, when it answers again, then no second poll was started meanwhile and the late poll is counted as an overrun', async () => {
    const ctl = res.peer(await startModbusController({ assets: 1, watchdogMs: 60_000, presets: { 2000: 5 } }));
    const { poller, values } = collect(res, { host: HOST, port: ctl.port, pollMs: 20, requestTimeoutMs: 3_000, registers: [reg(2000, 'uint16', 'speed')] });
    await waitFor(() => poller.counters().polls >= 3, 5_000, () => '3 polls');

    process.kill(ctl.pid, 'SIGSTOP');
    await sleep(100); // let a poll start and get stuck behind the frozen controller
    const stuck = poller.counters();
    await sleep(400);
    const later = poller.counters();
    process.kill(ctl.pid, 'SIGCONT');
    const before = values.length;
    await waitFor(() => values.length > before, 5_000, () => 'values after the stall');

    expect(later.polls - stuck.polls).toBe(0);
    expect(poller.counters().overruns).toBeGreaterThanOrEqual(1);
    expect(poller.counters()).toMatchObject({ timeouts: 0, disconnects: 0, pollsOffline: 0, exceptions: {} });
  });
});
