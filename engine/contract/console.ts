import { z } from 'zod';
import { IncidentExportFormatSchema, MAX_SERIES_POINTS, SnapshotTriggerSchema } from './incidents';
import { PlantStatusSchema } from './status';

/**
 * The console protocol: what a front end (the Electron renderer through the preload, a browser
 * through `vigil serve`'s WebSocket) may ask of the engine's host, and what the host pushes. Every
 * message is parsed with these schemas where it crosses a process or network boundary; a message
 * that does not parse is answered with an error and changes nothing.
 *
 * Requests carry an `id` chosen by the client (echoed in the reply) so that a retried request is
 * recognised and never acted on twice: the host remembers the replies of a session's recent ids.
 */

const id = z.string().min(1).max(64);
const assetId = z.string().min(1).max(128);
const reason = z.string().trim().min(3, { error: 'give a reason (at least 3 characters): it is what the next shift reads' }).max(500);

/** Emergency stop of one asset or of every asset: the trip command goes out before anything is stored. */
export const TripRequestSchema = z.object({ id, method: z.literal('trip'), target: z.union([assetId, z.literal('*')]), reason });

/** Every request a front end can make, by method. Roles are checked by the host on every request. */
export const ConsoleRequestSchema = z.discriminatedUnion('method', [
  z.object({ id, method: z.literal('status') }),
  z.object({ id, method: z.literal('whoami') }),
  z.object({ id, method: z.literal('alarms.list') }),
  z.object({ id, method: z.literal('alarms.acknowledge'), assetId, alarmKey: z.string().min(1).max(64), note: z.string().max(500).optional() }),
  z.object({ id, method: z.literal('alarms.shelve'), assetId, alarmKey: z.string().min(1).max(64), durationMs: z.number().int().positive(), reason }),
  z.object({ id, method: z.literal('alarms.kpis'), fromMs: z.number(), toMs: z.number() }),
  TripRequestSchema,
  z.object({ id, method: z.literal('reset'), assetId, reason }),
  z.object({ id, method: z.literal('bypass'), assetId, on: z.boolean(), reason }),
  z.object({ id, method: z.literal('incidents.list'), assetId: assetId.optional() }),
  z.object({ id, method: z.literal('incidents.timeline'), incidentId: z.string().min(1).max(256) }),
  /** One snapshot's samples over a range, min/max-decimated to ≤ maxPoints (default and most: 2000); SnapshotSeriesSchema. */
  z.object({
    id,
    method: z.literal('incidents.snapshot'),
    incidentId: z.string().min(1).max(256),
    channelId: z.string().min(1).max(128),
    trigger: SnapshotTriggerSchema,
    fromMs: z.number().optional(),
    toMs: z.number().optional(),
    maxPoints: z.number().int().min(2).max(MAX_SERIES_POINTS).optional(),
  }),
  /** The raw window, its spectrum and the score at one moment of an incident (IncidentMomentSchema). */
  z.object({ id, method: z.literal('incidents.moment'), incidentId: z.string().min(1).max(256), atMs: z.number(), channelId: z.string().min(1).max(128).optional() }),
  /** An incident as a file to save: the CLI's printable HTML, or JSON with decimated snapshots (IncidentExportSchema). */
  z.object({ id, method: z.literal('incidents.export'), incidentId: z.string().min(1).max(256), format: IncidentExportFormatSchema }),
  z.object({ id, method: z.literal('audit.list'), limit: z.number().int().min(1).max(1000) }),
  z.object({ id, method: z.literal('config.get'), assetId }),
  z.object({ id, method: z.literal('config.propose'), assetId, config: z.unknown(), reason, revertAfterMs: z.number().int().positive().optional() }),
  z.object({ id, method: z.literal('config.approve'), changeId: z.string().min(1).max(128), note: z.string().max(500).optional() }),
  z.object({ id, method: z.literal('config.apply'), changeId: z.string().min(1).max(128) }),
  z.object({ id, method: z.literal('config.history'), assetId }),
  /** Production beside shadow and the stored versions, per channel (engine/contract/models.ts ModelsListSchema); all assets without `assetId`. */
  z.object({ id, method: z.literal('models.list'), assetId: assetId.optional() }),
  /** Promote every channel's shadow of an asset, each validated first; answered with each channel's outcome (PromoteReplySchema). */
  z.object({ id, method: z.literal('models.promote'), assetId, reason }),
  /** Put a stored version of a channel back in production (RollbackReplySchema). */
  z.object({ id, method: z.literal('models.rollback'), assetId, channelId: z.string().min(1).max(128), versionId: z.string().min(1).max(64), reason }),
  /** The asset page's live frame (engine/contract/live.ts LiveViewSchema): polled at a fixed rate, bounded per series. */
  z.object({ id, method: z.literal('asset.live'), assetId, channelId: z.string().min(1).max(128).optional() }),
  /** An admin creates an account; the secret is hashed by the host and never stored or audited. */
  z.object({
    id,
    method: z.literal('users.create'),
    userName: z.string().min(1).max(64),
    role: z.enum(['viewer', 'operator', 'engineer', 'admin']),
    secretKind: z.enum(['password', 'pin']),
    secret: z.string().min(1).max(256),
  }),
  /** Every account with role, state and remote grant, never a secret (admin; engine/contract/users.ts UserListSchema). */
  z.object({ id, method: z.literal('users.list') }),
  /**
   * The highest role the account's sessions from another machine act with; `viewer` revokes (admin,
   * with a reason). Answered with the account (UserViewSchema). The host refuses admin: see RemoteGrantSchema.
   */
  z.object({ id, method: z.literal('users.grantRemote'), userName: z.string().min(1).max(64), maxRole: z.enum(['viewer', 'operator', 'engineer', 'admin']), reason }),
  /** Another role for an account (admin, with a reason); answered with the account (UserViewSchema). */
  z.object({ id, method: z.literal('users.setRole'), userName: z.string().min(1).max(64), role: z.enum(['viewer', 'operator', 'engineer', 'admin']), reason }),
  /** Stop an account from signing in or acting, or let it again (admin, with a reason); answered with the account. */
  z.object({ id, method: z.literal('users.disable'), userName: z.string().min(1).max(64), reason }),
  z.object({ id, method: z.literal('users.enable'), userName: z.string().min(1).max(64), reason }),
]);
export type ConsoleRequest = z.infer<typeof ConsoleRequestSchema>;
export type ConsoleMethod = ConsoleRequest['method'];

/** The answer to one request: its value, or an error a person can read (`code` for programs). */
export const ConsoleReplySchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('reply'), id: z.string(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('reply'), id: z.string(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type ConsoleReply = z.infer<typeof ConsoleReplySchema>;

/** What the trip (e-stop) request answers per asset: the command and the actuator's acknowledgement. */
export const TripReceiptSchema = z.object({
  assetId: z.string(),
  /** Engine clock when the actuator accepted the command. */
  commandedAtMs: z.number(),
  /** Host-side µs from the request's arrival to the actuator's return. */
  latencyUs: z.number(),
  actuator: z.string(),
  /** The stop's command id: the controller gets each stop once, whichever thread sent it first. */
  commandId: z.string().optional(),
});
export type TripReceipt = z.infer<typeof TripReceiptSchema>;

/**
 * Who the session is: `role` is the role it acts with now, re-read from the store on every request.
 * `remote`: signed in from another machine, so `role` is the account's role capped by its remote
 * grant; `cappedFrom`: the account's own role, present only when that cap lowers it (a page can say
 * why an action is refused and that an admin can grant more).
 */
export const SessionInfoSchema = z.object({
  userName: z.string(),
  role: z.enum(['viewer', 'operator', 'engineer', 'admin']),
  expiresMs: z.number(),
  remote: z.boolean().optional(),
  cappedFrom: z.enum(['viewer', 'operator', 'engineer', 'admin']).optional(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

/** Pushed by the host without a request: the plant at a fixed rate, and a note when the engine is not answering. */
export const ConsolePushSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: PlantStatusSchema }),
  z.object({ type: z.literal('engine'), state: z.enum(['running', 'restarting', 'not-answering']), detail: z.string() }),
]);
export type ConsolePush = z.infer<typeof ConsolePushSchema>;

/** Sign-in over HTTP (`POST /session`), answered with a bearer token for the WebSocket (`/ws?token=…`). */
export const SignInSchema = z.object({ userName: z.string().min(1).max(64), secret: z.string().min(1).max(256) });
export type SignIn = z.infer<typeof SignInSchema>;
export const SignInReplySchema = z.object({ token: z.string(), session: SessionInfoSchema });
export type SignInReply = z.infer<typeof SignInReplySchema>;

/** The id of a message that may not parse, if it has a usable one (else ''), so the client can match the reply. */
export function requestIdOf(raw: unknown): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 ? id : '';
}
