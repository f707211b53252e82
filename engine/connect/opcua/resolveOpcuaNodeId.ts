import type { NodeId } from 'node-opcua';
import { opcuaNodeId } from '../../config/plant/plantFields';
import type { NodeOpcua } from './nodeOpcua';

/** A configured node id resolved against one server, or why it cannot be (a status name to count it under, and words). */
export type ResolvedNodeId = { ok: true; nodeId: NodeId } | { ok: false; status: 'BadNodeIdInvalid' | 'BadNodeIdUnknown'; detail: string };

/**
 * Throws unless every id has the plant config's node id syntax, naming each bad one: a trip
 * target or a subscribed node that can never resolve is a configuration error, refused when the
 * source or output is built, not discovered at the first trip.
 */
export function checkOpcuaNodeIds(what: string, ids: Iterable<string>): void {
  const bad = [...ids].filter((id) => !opcuaNodeId.safeParse(id).success);
  if (bad.length > 0) throw new Error(`${what}: not an OPC UA node id (expected e.g. "ns=2;s=P101.Trip" or "nsu=urn:plant:plc;i=1042"): ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
}

/**
 * Turns a configured node id into the server's `NodeId`. A namespace URI (`nsu=urn:...;s=x`) is
 * looked up in the server's namespace array, read once per session: plant files should prefer
 * URIs, because a server may renumber its namespaces when it restarts or its configuration
 * changes, and `ns=3` would then silently name another variable.
 */
export function resolveOpcuaNodeId(text: string, namespaces: readonly string[], opcua: NodeOpcua): ResolvedNodeId {
  let plain = text;
  const nsu = /^nsu=([^;]+);(.+)$/.exec(text);
  if (nsu) {
    const index = namespaces.indexOf(nsu[1]!);
    if (index < 0) return { ok: false, status: 'BadNodeIdUnknown', detail: `namespace ${nsu[1]} is not on the server (it has ${namespaces.join(', ') || 'none'})` };
    plain = `ns=${index};${nsu[2]}`;
  }
  try {
    return { ok: true, nodeId: opcua.resolveNodeId(plain) };
  } catch (err) {
    return { ok: false, status: 'BadNodeIdInvalid', detail: `"${text}" is not a valid node id: ${err instanceof Error ? err.message : String(err)}` };
  }
}
