import type { AuditTrail } from '../store/AuditTrail';
import { actingSubject, remoteCapNote } from './remoteGrant';
import { authorize, type Action, type RequestContext, type Subject } from './roles';

/**
 * What the permission gate needs from the account store: the audit trail to write to, and each
 * account's state now. `Accounts` implements it; tests may pass a stand-in.
 */
export interface AuthorityContext {
  readonly audit: AuditTrail;
  /** The account as it is now (role, disabled), or null if there is no such user. */
  subject(userName: string): Subject | null;
}

/** Who is asking. Only the name is trusted: role, disabled state and remote grant are re-read per request. */
export interface Requester {
  userName: string;
  /**
   * Signed in from another machine (the transport decides, from the peer address): the account then
   * acts with at most its remote grant (`remoteRole`), and its audit rows carry that role.
   */
  remote?: boolean;
}

/** One request to authorise and record. */
export interface AuditedRequest extends RequestContext {
  action: Action;
  /** What it is done to: asset id, alarm id, model version, user name. */
  target?: string | null;
  /** State before the change (JSON-able, never a secret). */
  before?: unknown;
  /** Requested or resulting state (JSON-able, never a secret). */
  after?: unknown;
}

/**
 * The requester may not do this. Thrown after the refusal has been written to the audit trail
 * (`auditId` is its row), so a caller that catches it has nothing left to record.
 */
export class UnauthorisedError extends Error {
  readonly code = 'VIGIL_UNAUTHORISED';
  constructor(
    readonly userName: string,
    readonly action: string,
    readonly target: string | null,
    readonly reason: string,
    readonly auditId: number,
  ) {
    super(`${userName} may not ${action}${target ? ` on ${target}` : ''}: ${reason}`);
    this.name = 'UnauthorisedError';
  }
}

/**
 * The audit row could not be written after the action was attempted. `performed` says whether the
 * action took effect (then `result` is its value): a trip that happened but was not recorded must
 * not be reported to the operator as a trip that failed.
 */
export class AuditWriteError extends Error {
  readonly code = 'VIGIL_AUDIT_WRITE_FAILED';
  constructor(
    readonly performed: boolean,
    readonly result: unknown,
    readonly auditError: unknown,
    readonly actionError?: unknown,
  ) {
    super(
      `${performed ? 'the action was done' : 'the action failed'} but its audit row could not be written: ` +
        (auditError instanceof Error ? auditError.message : String(auditError)),
    );
    this.name = 'AuditWriteError';
  }
}

/** The base of every audit row for `request` by `requester`. */
function entryFor(requester: Requester, subject: Subject | null, request: AuditedRequest) {
  return {
    actor: requester.userName,
    role: subject?.role ?? null,
    action: request.action,
    target: request.target ?? null,
    before: request.before,
    after: request.after,
    reason: request.reason ?? null,
  };
}

/**
 * Checks the requester's current role against the permission table. On refusal writes a
 * `refused` row with the reason and throws `UnauthorisedError`; otherwise returns the account as
 * it acts now (a remote requester's role capped by its grant). For callers (like `Accounts`) that
 * must do more checks before the action. When the remote cap is what refused, the reason says so.
 */
export function authorizeOrRefuse(ctx: AuthorityContext, requester: Requester, request: AuditedRequest): Subject {
  const account = ctx.subject(requester.userName);
  const subject = account && actingSubject(account, requester.remote === true);
  let refusal = `no user named ${requester.userName}`;
  if (account && subject) {
    const decision = authorize(subject, request.action, request);
    if (decision.ok) return subject;
    const capped = subject !== account && authorize(account, request.action, request).ok;
    refusal = capped ? `${decision.reason}: ${remoteCapNote(account.userName, subject.role)}` : decision.reason;
  }
  const auditId = ctx.audit.record({ ...entryFor(requester, subject, request), outcome: 'refused', refusal });
  throw new UnauthorisedError(requester.userName, request.action, request.target ?? null, refusal, auditId);
}

/**
 * The one gate for every audited action: checks the role (re-read from the store, so a demotion
 * or a disable takes effect on the next request, not the next login), then either
 * - refuses: writes a `refused` row with the reason, and rejects with `UnauthorisedError`; or
 * - performs: calls `perform` synchronously (a trip is not delayed by the audit fsync, which comes
 *   after), awaits it if it returns a promise, writes a `done` row and resolves with its value; if
 *   `perform` throws, writes a `failed` row with the error message and rethrows it.
 * If that final audit write fails, rejects with `AuditWriteError` saying whether the action took
 * effect. Must not be called inside an open database transaction (audit rows commit on their own).
 *
 * `afterDone`, if given, describes the state after from the action's result for the `done` row
 * (refused and failed rows keep the requested `after`): for actions whose effect is only known
 * once done, such as a promotion that validation may refuse.
 */
export async function authorizeAndAudit<T>(
  ctx: AuthorityContext,
  requester: Requester,
  request: AuditedRequest,
  perform: (subject: Subject) => T | Promise<T>,
  afterDone?: (result: T) => unknown,
): Promise<T> {
  const subject = authorizeOrRefuse(ctx, requester, request);
  const base = entryFor(requester, subject, request);
  let result: T;
  try {
    result = await perform(subject);
  } catch (err) {
    try {
      ctx.audit.record({ ...base, outcome: 'failed', refusal: err instanceof Error ? err.message : String(err) });
    } catch (auditErr) {
      throw new AuditWriteError(false, undefined, auditErr, err);
    }
    throw err;
  }
  try {
    ctx.audit.record({ ...base, ...(afterDone ? { after: afterDone(result) } : {}), outcome: 'done' });
  } catch (auditErr) {
    throw new AuditWriteError(true, result, auditErr);
  }
  return result;
}
