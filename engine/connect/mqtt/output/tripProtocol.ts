import { z } from 'zod';
import { TOPIC_ROOT, idProblem } from '../topics';

/**
 * The trip and heartbeat payloads Vigil and a plant controller exchange over MQTT (topic scheme in
 * `../topics.ts`). Both sides parse every payload with these schemas: a payload that fails is
 * counted, never trusted, never allowed to throw inside a client's message handler.
 *
 * Correlation: a command carries its id both in the JSON body and as MQTT 5 `correlationData`,
 * and names the asset's ack topic as `responseTopic`. The controller answers there with the same
 * correlation data. One operator stop of several assets shares one command id (see
 * `TripOutputStage`), so a command is identified by (asset, command id), and the asset is the ack
 * topic's asset level.
 */

/** Longest trip reason on the wire; the trip output cuts longer ones (a controller refuses them). */
export const MAX_REASON_CHARS = 2000;

const id = z.string().min(1).max(128);
const epochMs = z.number().finite().nonnegative();

/** A trip command as published on `.../<asset>/cmd/trip`. */
export const TripCommandMessageSchema = z.object({
  commandId: id,
  assetId: id,
  /** Engine time at which protection (or the operator) decided to trip. */
  decidedAtMs: epochMs,
  reason: z.string().max(MAX_REASON_CHARS),
  /** Wall clock when Vigil handed the command to the wire: a controller may judge its age. */
  sentAtMs: epochMs,
});
export type TripCommandMessage = z.infer<typeof TripCommandMessageSchema>;

/** The controller's answer on the command's response topic: the asset's trip is latched. */
export const TripAckMessageSchema = z.object({
  commandId: id,
  assetId: id,
  /** Controller wall clock when it latched the trip. */
  trippedAtMs: epochMs,
});
export type TripAckMessage = z.infer<typeof TripAckMessageSchema>;

/** An engine's periodic "still watching" on `vigil/v1/<site>/engine/<engineId>/heartbeat`. */
export const HeartbeatMessageSchema = z.object({
  engineId: id,
  /** Counts from 0 for each heartbeat sender: a gap shows lost heartbeats. */
  seq: z.number().int().nonnegative(),
  atMs: epochMs,
});
export type HeartbeatMessage = z.infer<typeof HeartbeatMessageSchema>;

/** The engine's Last Will, published by the broker on the heartbeat topic when its connection drops. */
export const EngineDeadMessageSchema = z.object({
  engineId: id,
  dead: z.literal(true),
});
export type EngineDeadMessage = z.infer<typeof EngineDeadMessageSchema>;

/** Anything an engine's heartbeat topic carries. */
export const HeartbeatTopicMessageSchema = z.union([HeartbeatMessageSchema, EngineDeadMessageSchema]);

/** A JSON payload parsed with `schema`, or null for anything else (not JSON, wrong shape, not UTF-8 text). */
export function parseJsonPayload<T>(schema: z.ZodType<T>, payload: Buffer): T | null {
  let raw: unknown;
  try {
    raw = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  const r = schema.safeParse(raw);
  return r.success ? r.data : null;
}

function siteLevel(site: string): string {
  const p = idProblem(site);
  if (p) throw new Error(`site ${JSON.stringify(site)} ${p}`);
  return site;
}

/**
 * `vigil/v1/<site>/+/ack/trip`: every asset's trip acknowledgements, so one subscription hears
 * the answer for any asset the engine commands (assets are configured at run time).
 */
export function siteTripAckFilter(site: string): string {
  return `${TOPIC_ROOT}/${siteLevel(site)}/+/ack/trip`;
}

/** `vigil/v1/<site>/+/cmd/trip`: what a controller of the site's assets subscribes to. */
export function siteTripCommandFilter(site: string): string {
  return `${TOPIC_ROOT}/${siteLevel(site)}/+/cmd/trip`;
}

/** `vigil/v1/<site>/engine/+/heartbeat`: every engine's heartbeat, for a controller that watches any. */
export function siteHeartbeatFilter(site: string): string {
  return `${TOPIC_ROOT}/${siteLevel(site)}/engine/+/heartbeat`;
}

/** The asset level of `vigil/v1/<site>/<asset>/<a>/<b>`, or null for a topic of another shape. */
export function assetOfTripTopic(topic: string, kind: 'cmd' | 'ack'): string | null {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  if (parts[4] !== kind || parts[5] !== 'trip') return null;
  const assetId = parts[3]!;
  return idProblem(assetId) ? null : assetId;
}
