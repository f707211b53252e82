import { randomUUID } from 'node:crypto';
import { formatOperatorTripReason } from '../actuate/tripReason';
import type { TripOutputThread } from '../actuate/TripOutputThread';
import { authorize } from '../auth/roles';
import { TripReceiptSchema, TripRequestSchema, type ConsoleReply, type SessionInfo, type TripReceipt } from '../contract/console';
import type { HostSentStop } from './ConsoleHost';

/** How long a session's role, as the engine thread last confirmed it, is trusted for an early stop (default). */
export const ROLE_TRUSTED_MS = 2000;
/** How long a trip reply waits for the output thread's receipts before it answers with the engine's own. */
const RECEIPT_WAIT_MS = 1000;
/** Sessions held before unconfirmed ones are looked for, and how long an unconfirmed one is kept. */
const PRUNE_ABOVE = 64;
const FORGET_AFTER_MS = 60_000;
/** Trip request ids remembered per session, so a retried request is never sent early twice. */
const REMEMBERED_TRIP_IDS = 256;

/** A stop sent early, on its way to the engine thread with the request. */
export interface EarlyStop {
  assetIds: string[];
  sent: HostSentStop;
}

/**
 * The emergency stop's short path, on the host thread. An e-stop request from a session whose
 * role the engine thread confirmed within `roleTrustedMs` (the transports ask about every open
 * session at the status rate, so normally within half a second) goes to the trip output thread at
 * once, before the request reaches the engine thread, which may be busy for tens of milliseconds
 * scoring windows. The engine thread then latches and audits it under the same command id, and the
 * output thread sends it once (TripOutputStage).
 *
 * Why trusting a confirmed role for two seconds is right here and nowhere else: a stop is the safe
 * direction, so erring towards acting on a role taken away a moment ago stops a machine someone
 * was allowed to stop just before; and the audit row then says so (OperatorActions.trip). Every
 * other action waits for the engine thread's check. A request this cannot decide on at once
 * (unknown session, stale role, unknown asset, a repeated id, no output thread) takes the engine
 * thread's path, which is the same path without the head start.
 */
export class EarlyStops {
  readonly #roles = new Map<string, { info: SessionInfo; confirmedAtMs: number; tripIds: Set<string> }>();
  /** Receipts already answered, by command id: a retried request gets the same answer (the engine thread remembers its reply too). */
  readonly #answered = new Map<string, TripReceipt[]>();

  constructor(
    private output: TripOutputThread,
    private readonly o: { roleTrustedMs?: number; clock?: () => number } = {},
  ) {}

  /** Sessions whose role is held now (what the memory bound applies to). */
  get sessionCount(): number {
    return this.#roles.size;
  }

  /** After the output thread was restarted. */
  setOutput(output: TripOutputThread): void {
    this.output = output;
  }

  /** The engine thread says who `token` is now (null: signed out, expired, disabled). */
  confirmed(token: string, info: SessionInfo | null): void {
    const known = this.#roles.get(token);
    const now = this.#now();
    if (!info) this.#roles.delete(token);
    else this.#roles.set(token, { info, confirmedAtMs: now, tripIds: known?.tripIds ?? new Set() });
    // A token nobody has asked about for a minute has no open connection: forget it (bounded memory).
    if (this.#roles.size > PRUNE_ABOVE) for (const [t, r] of this.#roles) if (now - r.confirmedAtMs > FORGET_AFTER_MS) this.#roles.delete(t);
  }

  /**
   * If `raw` is a trip request this may send at once, sends it to the output thread and returns
   * what the engine thread must be told; otherwise null (the engine thread's path). `assetIds`:
   * the plant's assets, from the latest status.
   */
  send(token: string | null, raw: unknown, assetIds: readonly string[]): EarlyStop | null {
    const req = TripRequestSchema.safeParse(raw);
    if (!req.success || token === null) return null;
    const known = this.#roles.get(token);
    const now = this.#now();
    if (!known || now - known.confirmedAtMs > (this.o.roleTrustedMs ?? ROLE_TRUSTED_MS) || known.info.expiresMs <= now) return null;
    if (!authorize({ userName: known.info.userName, role: known.info.role }, 'trip', { reason: req.data.reason }).ok) return null;
    if (known.tripIds.has(req.data.id)) return null;
    const targets = req.data.target === '*' ? [...assetIds] : assetIds.includes(req.data.target) ? [req.data.target] : [];
    if (targets.length === 0) return null;
    const commandId = `estop-${randomUUID()}`;
    if (!this.output.stop({ commandId, assetIds: targets, decidedAtMs: now, reason: formatOperatorTripReason(known.info.userName, req.data.reason) })) return null;
    known.tripIds.add(req.data.id);
    if (known.tripIds.size > REMEMBERED_TRIP_IDS) known.tripIds.delete(known.tripIds.values().next().value!);
    return { assetIds: targets, sent: { commandId, confirmedAtMs: known.confirmedAtMs, userName: known.info.userName, remote: known.info.remote === true } };
  }

  /**
   * The reply to a trip request with the actuator's own receipts: when the output thread accepted
   * each command and the µs since the request reached this thread (`arrivalNs`). A stop that went
   * out early is reported even if the engine thread did not answer; an asset whose command the
   * actuator failed turns the reply into an error naming it. For trip requests' replies only.
   */
  async answer(reply: ConsoleReply, arrivalNs: bigint, early: EarlyStop | null): Promise<ConsoleReply> {
    const engineReceipts = reply.ok ? TripReceiptSchema.array().safeParse(reply.value) : null;
    const commandId = early?.sent.commandId ?? (engineReceipts?.success ? engineReceipts.data[0]?.commandId : undefined);
    if (commandId === undefined) return reply;
    const remembered = this.#answered.get(commandId);
    if (remembered && reply.ok) return { ...reply, value: remembered };
    const assetIds = engineReceipts?.success ? engineReceipts.data.map((r) => r.assetId) : early!.assetIds;
    const outcomes = await this.output.outcomes(commandId, assetIds, RECEIPT_WAIT_MS);
    const receipts: TripReceipt[] = [];
    const failed: string[] = [];
    for (const assetId of assetIds) {
      const o = outcomes.get(assetId);
      const fromEngine = engineReceipts?.success ? engineReceipts.data.find((r) => r.assetId === assetId) : undefined;
      if (o && 'failed' in o) failed.push(`${assetId}: ${o.failed}`);
      else if (o) receipts.push({ assetId, commandedAtMs: o.commandedAtMs, latencyUs: Math.max(0, Number(o.commandedNs - arrivalNs) / 1000), actuator: o.actuator, commandId });
      else if (fromEngine) receipts.push(fromEngine);
    }
    const sentText = receipts.map((r) => `${r.assetId} at ${(r.latencyUs / 1000).toFixed(1)} ms`).join(', ');
    if (failed.length > 0) {
      return { type: 'reply', id: reply.id, ok: false, error: { code: 'actuator_failed', message: `the stop did not go out for ${failed.join('; ')}${sentText ? `; it went out for ${sentText}` : ''}` } };
    }
    if (reply.ok) {
      this.#answered.set(commandId, receipts);
      if (this.#answered.size > REMEMBERED_TRIP_IDS) this.#answered.delete(this.#answered.keys().next().value!);
      return { ...reply, value: receipts };
    }
    if (receipts.length === 0) return reply;
    return { ...reply, error: { code: reply.error.code, message: `the stop went out (${sentText}, acknowledged by ${receipts[0]!.actuator}), but it is not yet latched or audited: ${reply.error.message}` } };
  }

  #now(): number {
    return (this.o.clock ?? Date.now)();
  }
}
