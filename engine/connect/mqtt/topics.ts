/**
 * Vigil's MQTT topic scheme, version 1. Every topic starts with `vigil/v1/<site>/<asset>/`:
 *
 * - `.../<channel>/wave`: a waveform frame in the binary payload of `frameCodec.ts`;
 * - `.../<channel>/value`: a slow value as JSON, `{"t": <epoch ms>, "v": <number>}` (speed,
 *   temperature, load), or a feature snapshot `{"t": ..., "features": {"rms": ..., ...}}`;
 * - `.../cmd/trip`: a trip command to the asset's controller (QoS 1, MQTT 5 correlation data and
 *   response topic), answered on `.../ack/trip`;
 * - `vigil/v1/<site>/engine/<engineId>/heartbeat`: an engine's heartbeat.
 *
 * Levels are MQTT topic levels: an id may not contain `/`, `+`, `#` or NUL, nor be empty, so a
 * topic always splits back into the same ids. Ids longer than 128 characters are refused, as
 * ingest refuses them.
 */

export const TOPIC_ROOT = 'vigil/v1';
const MAX_ID = 128;

/** What a data topic addresses. */
export interface DataTopic {
  site: string;
  assetId: string;
  channelId: string;
  kind: 'wave' | 'value';
}

/** Why `validId` refuses an id, or null when it is usable as a topic level. */
export function idProblem(id: string): string | null {
  if (id.length === 0) return 'is empty';
  if (id.length > MAX_ID) return `is longer than ${MAX_ID} characters`;
  if (/[/+#]/.test(id) || id.includes('\u0000')) return 'contains /, +, # or NUL, which MQTT topic levels cannot carry';
  return null;
}

function level(name: string, id: string): string {
  const p = idProblem(id);
  if (p) throw new Error(`${name} ${JSON.stringify(id)} ${p}`);
  return id;
}

/** `vigil/v1/<site>/<asset>/<channel>/wave`. Throws for an id that cannot be a topic level. */
export function waveTopic(site: string, assetId: string, channelId: string): string {
  return `${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/${level('channel', channelId)}/wave`;
}

/** `vigil/v1/<site>/<asset>/<channel>/value`. */
export function valueTopic(site: string, assetId: string, channelId: string): string {
  return `${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/${level('channel', channelId)}/value`;
}

/** `vigil/v1/<site>/<asset>/cmd/trip`: where an asset's trip command goes. */
export function tripCommandTopic(site: string, assetId: string): string {
  return `${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/cmd/trip`;
}

/** `vigil/v1/<site>/<asset>/ack/trip`: where its controller acknowledges. */
export function tripAckTopic(site: string, assetId: string): string {
  return `${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/ack/trip`;
}

/**
 * `vigil/v1/<site>/<asset>/event/<type>`: an engine event forwarded to the plant (alarm, trip,
 * quality, model change), so consumers can subscribe by asset or by type (`.../+/event/TripRequested`).
 */
export function eventTopic(site: string, assetId: string, type: string): string {
  return `${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/event/${level('event type', type)}`;
}

/** `vigil/v1/<site>/engine/<engineId>/heartbeat`. */
export function heartbeatTopic(site: string, engineId: string): string {
  return `${TOPIC_ROOT}/${level('site', site)}/engine/${level('engine', engineId)}/heartbeat`;
}

/** The subscriptions for one asset's data topics: `vigil/v1/<site>/<asset>/+/wave` and `.../value`. */
export function assetDataFilters(site: string, assetId: string): string[] {
  return [`${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/+/wave`, `${TOPIC_ROOT}/${level('site', site)}/${level('asset', assetId)}/+/value`];
}

/** The subscriptions for every data topic of a site: `vigil/v1/<site>/+/+/wave` and `.../value` (not the command topics). */
export function siteDataFilters(site: string): string[] {
  return [`${TOPIC_ROOT}/${level('site', site)}/+/+/wave`, `${TOPIC_ROOT}/${level('site', site)}/+/+/value`];
}

/** The data topic's parts, or null for a topic outside the scheme (counted as an unknown topic). */
export function parseDataTopic(topic: string): DataTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , site, assetId, channelId, kind] = parts as [string, string, string, string, string, string];
  if (kind !== 'wave' && kind !== 'value') return null;
  if (idProblem(site) || idProblem(assetId) || idProblem(channelId)) return null;
  if (assetId === 'engine') return null;
  return { site, assetId, channelId, kind };
}
