/**
 * How far a value can be trusted, from the two severity bits of its OPC UA StatusCode (Part 4,
 * 7.39): `good`; `uncertain` (the server has a value but doubts it: last usable value, sensor
 * not accurate, substituted); `bad` (no usable value: sensor failure, communication lost, ...).
 * The reserved fourth pattern counts as bad: a code the client cannot interpret is not data.
 */
export type OpcuaSeverity = 'good' | 'uncertain' | 'bad';

/** A StatusCode as the source uses it: severity, the name to count it under, and the Overflow bit. */
export interface OpcuaStatus {
  severity: OpcuaSeverity;
  /** The code's name without its info bits ('Good', 'UncertainLastUsableValue', 'BadSensorFailure'), or its hex when the name is unknown. */
  name: string;
  /**
   * The Overflow info bit: the server's queue for this monitored item was full and it dropped
   * older values before this one. The value itself is fine; data in between was lost.
   */
  overflow: boolean;
}

const SEVERITY_MASK = 0xc000_0000;
const INFO_TYPE_MASK = 0x0000_0c00;
const INFO_TYPE_DATA_VALUE = 0x0000_0400;
const OVERFLOW_BIT = 0x0000_0080;

/**
 * Classifies a StatusCode (node-opcua's `StatusCode`, or anything with its numeric `value` and
 * `name`). Why bits and not node-opcua's `isGood()`: node-opcua has no `isUncertain()`, and the
 * Overflow bit only means overflow when the info type says the info bits describe a data value.
 */
export function opcuaStatus(code: { readonly value: number; readonly name: string }): OpcuaStatus {
  const value = code.value >>> 0;
  const bits = (value & SEVERITY_MASK) >>> 0;
  const severity: OpcuaSeverity = bits === 0 ? 'good' : bits === 0x4000_0000 ? 'uncertain' : 'bad';
  const base = code.name.split('#')[0] ?? '';
  const name = base && base !== 'UnknownStatusCode' ? base : `0x${((value & 0xffff_0000) >>> 0).toString(16).padStart(8, '0')}`;
  const overflow = (value & INFO_TYPE_MASK) === INFO_TYPE_DATA_VALUE && (value & OVERFLOW_BIT) !== 0;
  return { severity, name, overflow };
}
