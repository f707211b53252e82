/**
 * Pure helpers of the Modbus polling source: which read requests cover a set of register
 * mappings, and how the words that come back become engineering values. Kept apart from the
 * poller so they can be tested without a controller and reused by any other Modbus reader.
 */

/** How a register block is read as a number (the plant config's `MODBUS_FORMATS`). */
export type ModbusValueFormat = 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32';

/** One polled value: where it lives, how to decode and scale it, and which channel it feeds. */
export interface ModbusPollRegister {
  /** Zero-based protocol address of the (first) register. */
  address: number;
  type: 'holding' | 'input';
  format: ModbusValueFormat;
  /** 32-bit formats only: 'big' (default) puts the high word at `address`; many PLCs use 'little'. */
  wordOrder?: 'big' | 'little';
  /** value = raw × scale + offset; default 1. */
  scale?: number;
  /** Default 0. */
  offset?: number;
  assetId: string;
  channelId: string;
  /** Engineering unit after scaling, e.g. 'Hz', '°C'. */
  unit: string;
}

/**
 * One read request (FC3 for holding, FC4 for input registers) and the mappings it serves. One
 * request per block rather than per value keeps a PLC's request budget (often a few per 10 ms
 * scan) for the values, and reads the words of a 32-bit value in one go so they cannot tear.
 */
export interface ModbusReadBlock {
  type: 'holding' | 'input';
  address: number;
  /** Registers read, 1..maxRegistersPerRead. */
  count: number;
  registers: ModbusPollRegister[];
}

/** The Modbus protocol's limit on registers per FC3/FC4 request. */
export const MAX_REGISTERS_PER_READ = 125;

/** Registers a format spans: 1 for 16-bit, 2 for 32-bit formats. */
export function registerWidth(format: ModbusValueFormat): 1 | 2 {
  return format === 'int16' || format === 'uint16' ? 1 : 2;
}

/**
 * Groups mappings into read blocks: same type, contiguous or overlapping addresses, at most
 * `maxRegistersPerRead` registers each. Gaps are never bridged, because an address between two
 * mapped ones may not exist on the device, and reading it would fail the whole block with
 * ILLEGAL DATA ADDRESS. Throws on a mapping that is no 16-bit address or does not fit in one read.
 */
export function planModbusReads(registers: readonly ModbusPollRegister[], maxRegistersPerRead = MAX_REGISTERS_PER_READ): ModbusReadBlock[] {
  if (!Number.isInteger(maxRegistersPerRead) || maxRegistersPerRead < 2 || maxRegistersPerRead > MAX_REGISTERS_PER_READ) {
    throw new Error(`maxRegistersPerRead must be 2..${MAX_REGISTERS_PER_READ}, got ${maxRegistersPerRead}`);
  }
  for (const r of registers) {
    if (!Number.isInteger(r.address) || r.address < 0 || r.address + registerWidth(r.format) - 1 > 0xffff) {
      throw new Error(`register of ${r.assetId}/${r.channelId}: address ${r.address} (${r.format}) does not fit in the 16-bit address space`);
    }
  }
  const blocks: ModbusReadBlock[] = [];
  for (const type of ['holding', 'input'] as const) {
    const sorted = registers.filter((r) => r.type === type).sort((a, b) => a.address - b.address || registerWidth(b.format) - registerWidth(a.format));
    let block: ModbusReadBlock | null = null;
    for (const r of sorted) {
      const end = r.address + registerWidth(r.format);
      const fits = block !== null && r.address <= block.address + block.count && Math.max(end, block.address + block.count) - block.address <= maxRegistersPerRead;
      if (block && fits) {
        block.count = Math.max(end, block.address + block.count) - block.address;
        block.registers.push(r);
      } else {
        block = { type, address: r.address, count: end - r.address, registers: [r] };
        blocks.push(block);
      }
    }
  }
  return blocks;
}

const scratch = new DataView(new ArrayBuffer(4));

/**
 * The raw number a mapping's words hold (before scale and offset). `words` are the block's
 * registers as unsigned 16-bit numbers; `at` is the mapping's index into them. Float32 may give
 * NaN or ±Infinity: the caller decides what to do with those.
 */
export function decodeModbusRaw(words: ArrayLike<number>, at: number, format: ModbusValueFormat, wordOrder: 'big' | 'little' = 'big'): number {
  const w0 = (words[at] ?? 0) & 0xffff;
  if (format === 'uint16') return w0;
  if (format === 'int16') return (w0 << 16) >> 16;
  const w1 = (words[at + 1] ?? 0) & 0xffff;
  const [hi, lo] = wordOrder === 'big' ? [w0, w1] : [w1, w0];
  if (format === 'uint32') return hi * 0x10000 + lo;
  if (format === 'int32') return ((hi << 16) | lo) | 0;
  scratch.setUint16(0, hi);
  scratch.setUint16(2, lo);
  return scratch.getFloat32(0);
}

/** raw × scale + offset: the value in the mapping's engineering unit. */
export function scaleModbusValue(raw: number, r: Pick<ModbusPollRegister, 'scale' | 'offset'>): number {
  return raw * (r.scale ?? 1) + (r.offset ?? 0);
}
