import { describe, expect, it } from 'vitest';
import { decodeModbusRaw, planModbusReads, type ModbusPollRegister } from '../../../../engine/connect/modbus/modbusRegisters';

const reg = (address: number, format: ModbusPollRegister['format'], type: ModbusPollRegister['type'] = 'holding'): ModbusPollRegister => ({ address, type, format, assetId: 'a', channelId: `c${address}${type[0]}`, unit: 'u' });
const shape = (blocks: ReturnType<typeof planModbusReads>) => blocks.map((b) => [b.type, b.address, b.count, b.registers.map((r) => r.channelId)]);

describe('planModbusReads', () => {
  it('given contiguous, overlapping and separated registers of both types, then each contiguous run of one type becomes one read and gaps are never bridged', () => {
    const blocks = planModbusReads([reg(10, 'uint16'), reg(11, 'float32'), reg(13, 'int16'), reg(15, 'int16'), reg(11, 'uint16', 'input'), reg(12, 'uint16', 'input'), reg(12, 'int16')]);

    expect(shape(blocks)).toEqual([
      ['holding', 10, 4, ['c10h', 'c11h', 'c12h', 'c13h']],
      ['holding', 15, 1, ['c15h']],
      ['input', 11, 2, ['c11i', 'c12i']],
    ]);
  });

  it('given a run longer than the per-read limit, then it is split so that no read exceeds it and no 32-bit value is torn across two reads', () => {
    const run = Array.from({ length: 5 }, (_, i) => reg(100 + 2 * i, 'uint32'));

    expect(shape(planModbusReads(run, 4))).toEqual([
      ['holding', 100, 4, ['c100h', 'c102h']],
      ['holding', 104, 4, ['c104h', 'c106h']],
      ['holding', 108, 2, ['c108h']],
    ]);
    expect(() => planModbusReads([reg(0xffff, 'int32')])).toThrow('does not fit in the 16-bit address space');
  });
});

describe('decodeModbusRaw', () => {
  it('given the words of each format, then the raw number is the two\'s complement, unsigned or IEEE 754 reading in the given word order', () => {
    const words = [0xfb2e, 0xfffe, 0x7960, 0xcd15, 0x075b, 0x449a, 0x5000];

    expect([
      decodeModbusRaw(words, 0, 'int16'), decodeModbusRaw(words, 0, 'uint16'),
      decodeModbusRaw(words, 1, 'int32'), decodeModbusRaw(words, 1, 'uint32'),
      decodeModbusRaw(words, 3, 'int32', 'little'), decodeModbusRaw(words, 5, 'float32'),
      decodeModbusRaw([0x0000, 0xbe80], 0, 'float32', 'little'), decodeModbusRaw([0x7fc0, 0], 0, 'float32'),
    ]).toEqual([-1234, 64302, -100000, 0xfffe7960, 123456789, 1234.5, -0.25, NaN]);
  });
});
