import { beforeAll, describe, expect, it } from 'vitest';
import { loadNodeOpcua, type NodeOpcua } from '../../../../engine/connect/opcua/nodeOpcua';
import { checkOpcuaNodeIds, resolveOpcuaNodeId } from '../../../../engine/connect/opcua/resolveOpcuaNodeId';

describe('resolveOpcuaNodeId', () => {
  let opcua: NodeOpcua;
  beforeAll(async () => {
    opcua = await loadNodeOpcua();
  });
  const namespaces = ['http://opcfoundation.org/UA/', 'urn:plant:gateway', 'urn:plant:plc'];
  const resolve = (text: string) => {
    const r = resolveOpcuaNodeId(text, namespaces, opcua);
    return r.ok ? r.nodeId.toString() : `${r.status}: ${r.detail}`;
  };

  it('maps a namespace URI to the server\'s index, and leaves index and default-namespace ids as they are', () => {
    expect(resolve('nsu=urn:plant:plc;s=P101.Trip')).toBe('ns=2;s=P101.Trip');
    expect(resolve('nsu=urn:plant:gateway;i=1042')).toBe('ns=1;i=1042');
    expect(resolve('ns=3;s=P101.DE.Accel')).toBe('ns=3;s=P101.DE.Accel');
    expect(resolve('i=2258')).toBe('ns=0;i=2258');
  });

  it('reports a namespace the server lacks as BadNodeIdUnknown, naming the ones it has', () => {
    expect(resolve('nsu=urn:elsewhere;s=x')).toBe('BadNodeIdUnknown: namespace urn:elsewhere is not on the server (it has http://opcfoundation.org/UA/, urn:plant:gateway, urn:plant:plc)');
  });

  it('refuses, at construction, ids that do not have the plant config\'s syntax, naming every one', () => {
    expect(() => checkOpcuaNodeIds('source s1', ['ns=2;s=ok', 'P101.Trip', 'ns=x;i=1'])).toThrow('source s1: not an OPC UA node id (expected e.g. "ns=2;s=P101.Trip" or "nsu=urn:plant:plc;i=1042"): "P101.Trip", "ns=x;i=1"');
    expect(() => checkOpcuaNodeIds('source s1', ['ns=2;s=ok', 'nsu=urn:a;g=12345678-1234-1234-1234-123456789abc'])).not.toThrow();
  });
});
