import { z } from 'zod';
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

/** Every request a front end can make, by method. Roles are checked by the host on every request. */
export const ConsoleRequestSchema = z.discriminatedUnion('method', [
  z.object({ id, method: z.literal('status') }),
  z.object({ id, method: z.literal('whoami') }),
  z.object({ id, method: z.literal('alarms.list') }),
  z.object({ id, method: z.literal('alarms.acknowledge'), assetId, alarmKey: z.string().min(1).max(64), note: z.string().max(500).optional() }),
  z.object({ id, method: z.literal('alarms.shelve'), assetId, alarmKey: z.string().min(1).max(64), durationMs: z.number().int().positive(), reason }),
  z.object({ id, method: z.literal('alarms.kpis'), fromMs: z.number(), toMs: z.number() }),
  /** Emergency stop of one asset or of every asset: the trip command goes out before anything is stored. */
  z.object({ id, method: z.literal('trip'), target: z.union([assetId, z.literal('*')]), reason }),
  z.object({ id, method: z.literal('reset'), assetId, reason }),
  z.object({ id, method: z.literal('bypass'), assetId, on: z.boolean(), reason }),
  z.object({ id, method: z.literal('incidents.list'), assetId: assetId.optional() }),
  z.object({ id, method: z.literal('incidents.timeline'), incidentId: z.string().min(1).max(256) }),
  z.object({ id, method: z.literal('audit.list'), limit: z.number().int().min(1).max(1000) }),
  z.object({ id, method: z.literal('config.get'), assetId }),
  z.object({ id, method: z.literal('config.propose'), assetId, config: z.unknown(), reason, revertAfterMs: z.number().int().positive().optional() }),
  z.object({ id, method: z.literal('config.approve'), changeId: z.string().min(1).max(128), note: z.string().max(500).optional() }),
  z.object({ id, method: z.literal('config.apply'), changeId: z.string().min(1).max(128) }),
  z.object({ id, method: z.literal('config.history'), assetId }),
  /** An admin creates an account; the secret is hashed by the host and never stored or audited. */
  z.object({
    id,
    method: z.literal('users.create'),
    userName: z.string().min(1).max(64),
    role: z.enum(['viewer', 'operator', 'engineer', 'admin']),
    secretKind: z.enum(['password', 'pin']),
    secret: z.string().min(1).max(256),
  }),
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
});
export type TripReceipt = z.infer<typeof TripReceiptSchema>;

/** Who the session is: the role is re-read from the store on every request. */
export const SessionInfoSchema = z.object({ userName: z.string(), role: z.enum(['viewer', 'operator', 'engineer', 'admin']), expiresMs: z.number() });
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
