import { beforeAll, describe, expect, it } from 'vitest';
import { loadNodeOpcua, type NodeOpcua } from '../../../../engine/connect/opcua/nodeOpcua';
import { opcuaStatus } from '../../../../engine/connect/opcua/opcuaStatus';

describe('opcuaStatus', () => {
  let opcua: NodeOpcua;
  beforeAll(async () => {
    opcua = await loadNodeOpcua();
  });

  it('classifies node-opcua StatusCodes by their severity bits and names them without info bits', () => {
    const { StatusCodes } = opcua;
    expect([StatusCodes.Good, StatusCodes.UncertainLastUsableValue, StatusCodes.UncertainSensorNotAccurate, StatusCodes.BadSensorFailure, StatusCodes.BadCommunicationError, StatusCodes.BadNodeIdUnknown].map(opcuaStatus)).toEqual([
      { severity: 'good', name: 'Good', overflow: false },
      { severity: 'uncertain', name: 'UncertainLastUsableValue', overflow: false },
      { severity: 'uncertain', name: 'UncertainSensorNotAccurate', overflow: false },
      { severity: 'bad', name: 'BadSensorFailure', overflow: false },
      { severity: 'bad', name: 'BadCommunicationError', overflow: false },
      { severity: 'bad', name: 'BadNodeIdUnknown', overflow: false },
    ]);
  });

  it('reads the Overflow bit only when the info type says the info bits describe a data value', () => {
    const good = opcua.StatusCode.makeStatusCode(opcua.StatusCodes.Good, 'Overflow | InfoTypeDataValue');
    const uncertain = opcua.StatusCode.makeStatusCode(opcua.StatusCodes.UncertainLastUsableValue, 'Overflow | InfoTypeDataValue');
    expect(opcuaStatus(good)).toEqual({ severity: 'good', name: 'Good', overflow: true });
    expect(opcuaStatus(uncertain)).toEqual({ severity: 'uncertain', name: 'UncertainLastUsableValue', overflow: true });
    // Bit 7 without the DataValue info type means something else (or nothing): not an overflow.
    expect(opcuaStatus({ value: 0x0000_0080, name: 'Good' })).toEqual({ severity: 'good', name: 'Good', overflow: false });
  });

  it('counts the reserved severity pattern as bad and names an unknown code by its hex', () => {
    expect(opcuaStatus({ value: 0xc123_0000, name: 'UnknownStatusCode' })).toEqual({ severity: 'bad', name: '0xc1230000', overflow: false });
    expect(opcuaStatus({ value: 0x8abc_0400, name: '' })).toEqual({ severity: 'bad', name: '0x8abc0000', overflow: false });
  });
});
