/**
 * Sparkplug B topic namespace (`spBv1.0/<group>/<type>/<edgeNode>[/<device>]`). Kept apart from the
 * source so the subscription filters and the command topic are spelled in exactly one place.
 */

/** The Sparkplug B namespace element; a topic under any other namespace is not ours. */
export const SPARKPLUG_NAMESPACE = 'spBv1.0';

/** The message types the source consumes; commands (NCMD/DCMD) and STATE are never subscribed. */
export const SPARKPLUG_INBOUND_TYPES = ['NBIRTH', 'NDATA', 'NDEATH', 'DBIRTH', 'DDATA', 'DDEATH'] as const;
/** One consumed message type. */
export type SparkplugInboundType = (typeof SPARKPLUG_INBOUND_TYPES)[number];

/** A parsed inbound topic; `device` is set exactly for the D* types. */
export interface SparkplugTopic {
  groupId: string;
  type: SparkplugInboundType;
  edgeNode: string;
  device?: string;
}

const NODE_TYPES: ReadonlySet<string> = new Set(['NBIRTH', 'NDATA', 'NDEATH']);
const DEVICE_TYPES: ReadonlySet<string> = new Set(['DBIRTH', 'DDATA', 'DDEATH']);

/**
 * Parses an inbound topic; null for anything malformed (wrong namespace, a node type with a device
 * element, a device type without one, empty elements). Null is counted, never thrown.
 */
export function parseSparkplugTopic(topic: string): SparkplugTopic | null {
  const p = topic.split('/');
  if (p[0] !== SPARKPLUG_NAMESPACE || p.some((e) => e.length === 0)) return null;
  const [, groupId, type, edgeNode, device] = p;
  if (!groupId || !type || !edgeNode) return null;
  if (p.length === 4 && NODE_TYPES.has(type)) return { groupId, type: type as SparkplugInboundType, edgeNode };
  if (p.length === 5 && device && DEVICE_TYPES.has(type)) return { groupId, type: type as SparkplugInboundType, edgeNode, device };
  return null;
}

/**
 * Subscription filters for one group (one edge node if given, else all of them). One filter per
 * inbound type rather than `spBv1.0/<group>/+/<node>/#`: that wildcard would also deliver the
 * rebirth NCMDs this source publishes itself, and every other host's commands.
 */
export function sparkplugFilters(groupId: string, edgeNode?: string): string[] {
  const node = edgeNode ?? '+';
  return SPARKPLUG_INBOUND_TYPES.map((t) => `${SPARKPLUG_NAMESPACE}/${groupId}/${t}/${node}${DEVICE_TYPES.has(t) ? '/+' : ''}`);
}

/** Where a host application sends node commands (the rebirth request) to one edge node. */
export function ncmdTopic(groupId: string, edgeNode: string): string {
  return `${SPARKPLUG_NAMESPACE}/${groupId}/NCMD/${edgeNode}`;
}
