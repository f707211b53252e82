import { createHash, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AlarmBoard } from '../alarm/AlarmBoard';
import { storedAlarmKpis } from '../alarm/storedKpis';
import type { Accounts } from '../auth/Accounts';
import { AccountRuleError } from '../auth/accountRules';
import { AuditWriteError, UnauthorisedError, type Requester } from '../auth/authorizeAndAudit';
import { SecretRuleError } from '../auth/passwords';
import { actingSubject, remoteCapNote } from '../auth/remoteGrant';
import { authorize, ROLES, type Action, type Role } from '../auth/roles';
import { ConfigChangeError, type ConfigService } from '../config/ConfigService';
import { ConsoleRequestSchema, SignInSchema, requestIdOf, type ConsoleMethod, type ConsoleReply, type ConsoleRequest, type SessionInfo, type SignInReply, type TripReceipt } from '../contract/console';
import { UserListSchema, UserViewSchema } from '../contract/users';
import type { Engine } from '../engine';
import { incidentExport, timelineWithoutSamples } from '../incident/incidentExport';
import { incidentMoment } from '../incident/incidentMoment';
import { incidentTimeline } from '../incident/incidentTimeline';
import { snapshotSeries, type Reviewed } from '../incident/snapshotSeries';
import type { LiveView } from '../contract/live';
import type { Repository } from '../store/Repository';
import type { StoreSink } from '../store/StoreSink';
import type { LiveViews } from './liveView';
import { listModels } from './modelsView';
import type { OperatorActions, SentStop } from './OperatorActions';

/** A stop the host thread sent before this thread saw the request, and for whom (see `handle`). */
export interface HostSentStop extends SentStop {
  userName: string;
  remote: boolean;
}

/** What a host serves: the parts of a running console (`startDemoConsole` returns all of them). */
export interface ConsoleHostDeps {
  engine: Pick<Engine, 'monitor' | 'status' | 'protectionConfig' | 'assetIds'>;
  board: AlarmBoard;
  accounts: Accounts;
  actions: OperatorActions;
  configs: ConfigService;
  /** The repository for reads; with the writer, model changes are answered once the registry holds them (read-your-writes). */
  store: { repo: Repository; writer?: Pick<StoreSink, 'flush'> };
  /** The asset page's live data (`asset.live`); a host without it answers that method `unavailable`. */
  live?: Pick<LiveViews, 'view'>;
}

/** Knobs of a `ConsoleHost`. */
export interface ConsoleHostOptions {
  /** Wall clock for session expiry; default `Date.now`. */
  clock?: () => number;
  /** How long a session lasts from sign-in (absolute, not sliding); default 12 h, one long shift. */
  sessionTtlMs?: number;
}

/** Where a sign-in came from. A transport decides it from the peer address, never from a header. */
export interface SignInOrigin {
  /** True for any peer that is not this machine's loopback. */
  remote: boolean;
}

/** A sign-in or first-run setup: the bearer token and who it is, or why not (the text a sign-in page shows). */
export type SignInOutcome = { ok: true; reply: SignInReply } | { ok: false; reason: string };

/** Replies remembered per session for retried ids (see `handle`). */
export const REMEMBERED_IDS = 256;
/** Sessions one account may hold at once; the oldest is ended when another signs in. */
export const SESSIONS_PER_USER = 16;
/** Most incidents `incidents.list` answers with, newest first. */
const INCIDENT_LIST_LIMIT = 500;
/**
 * `audit.list` needs an engineer: the trail holds every failed login with what was typed as the
 * name (sometimes a password in the wrong field) and all user management. The permission table has
 * no action for it, so the host decides; a viewer still sees the audited actions of an incident's
 * asset in `incidents.timeline`. `users.list` needs an admin: every account with its role and
 * remote grant is a map of whom to target. Reads not named here need a viewer.
 */
const READ_MIN_ROLE: Partial<Record<ConsoleMethod, Role>> = { 'audit.list': 'engineer', 'users.list': 'admin' };

/**
 * What each method needs. `read` methods are checked here (not audited: they change nothing); every
 * other method is authorised and audited by the service it reaches (`OperatorActions`,
 * `ConfigService`, `Accounts`). A `Record`, so a new method without a decision fails to compile.
 */
const NEEDS: Readonly<Record<ConsoleMethod, Action>> = {
  status: 'read',
  whoami: 'read',
  'alarms.list': 'read',
  'alarms.acknowledge': 'alarm.acknowledge',
  'alarms.shelve': 'alarm.shelve',
  'alarms.kpis': 'read',
  trip: 'trip',
  reset: 'reset',
  bypass: 'bypass',
  'incidents.list': 'read',
  'incidents.timeline': 'read',
  'incidents.snapshot': 'read',
  'incidents.moment': 'read',
  'incidents.export': 'read',
  'audit.list': 'read',
  'config.get': 'read',
  'config.propose': 'setpoint.change',
  'config.approve': 'setpoint.change',
  'config.apply': 'setpoint.change',
  'config.history': 'read',
  'asset.live': 'read',
  'models.list': 'read',
  'models.promote': 'model.promote',
  'models.rollback': 'model.rollback',
  'users.create': 'user.create',
  'users.list': 'read',
  'users.grantRemote': 'user.remote.grant',
  'users.setRole': 'user.role.change',
  'users.disable': 'user.disable',
  'users.enable': 'user.enable',
};
const METHODS = Object.keys(NEEDS);

interface Remembered {
  /** Hash of the whole request: the same id with another request is refused, not answered with the old reply. */
  key: string;
  /** Null for reads: reading again changes nothing, and their replies can be large. */
  reply: Promise<ConsoleReply> | null;
}

interface Session {
  userName: string;
  remote: boolean;
  expiresMs: number;
  replies: Map<string, Remembered>;
}

/** A refusal the host decides itself, with the code the client sees. */
class RequestError extends Error {
  constructor(
    readonly code: 'bad_request' | 'not_found' | 'forbidden' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const rank = (role: Role): number => ROLES.indexOf(role);
const fail = (id: string, code: string, message: string): ConsoleReply => ({ type: 'reply', id, ok: false, error: { code, message } });

/**
 * The console protocol, independent of transport: sessions with bearer tokens, first-run setup, and
 * `handle`, which turns one untrusted message into one reply. Why one class for every front end: the
 * WebSocket server, and later the Electron IPC adapter, differ only in how bytes arrive; who may do
 * what, how a retried request is recognised and how errors read must not differ between them.
 *
 * Sessions live in memory (a restart signs everyone out). The role is never stored in a session: it
 * is re-read from the store on every request, so a demotion or a disabled account takes effect on
 * the next message. A session signed in from another machine acts with the lower of the account's
 * role and its remote grant (viewer unless an admin granted more, never admin: `remoteRole`), also
 * re-read on every request, so a revoke takes effect on the next message too.
 */
export class ConsoleHost {
  readonly #d: ConsoleHostDeps;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  readonly #sessions = new Map<string, Session>();

  constructor(deps: ConsoleHostDeps, options: ConsoleHostOptions = {}) {
    this.#d = deps;
    this.#clock = options.clock ?? Date.now;
    this.#ttlMs = options.sessionTtlMs ?? 12 * 3_600_000;
  }

  /** Checks a user name and secret (audited by `Accounts`) and opens a session. */
  async signIn(input: unknown, origin: SignInOrigin): Promise<SignInOutcome> {
    const p = SignInSchema.safeParse(input);
    if (!p.success) return { ok: false, reason: `enter a user name and a password or PIN (${describeIssues(p.error)})` };
    const login = await this.#d.accounts.verifyLogin(p.data.userName, p.data.secret);
    if (!login.ok) return { ok: false, reason: login.reason };
    return { ok: true, reply: this.#open(login.user.userName, origin.remote) };
  }

  /**
   * Creates the first admin and signs them in: only while no admin exists, and only from this
   * machine (whoever reaches the port first over the network must not own the plant). Every
   * refusal is audited.
   */
  async setup(input: unknown, origin: SignInOrigin): Promise<SignInOutcome> {
    const p = SignInSchema.safeParse(input);
    if (!p.success) return { ok: false, reason: `enter a user name and a password (${describeIssues(p.error)})` };
    if (origin.remote) {
      const refusal = 'first-run setup is only possible on the console workstation itself (loopback)';
      this.#d.accounts.audit.record({ actor: p.data.userName.slice(0, 64), role: null, action: 'user.create', target: p.data.userName.slice(0, 64), reason: 'first-run setup', outcome: 'refused', refusal });
      return { ok: false, reason: refusal };
    }
    try {
      const admin = await this.#d.accounts.createFirstAdmin(p.data.userName, p.data.secret);
      return { ok: true, reply: this.#open(admin.userName, false) };
    } catch (err) {
      if (err instanceof UnauthorisedError) return { ok: false, reason: err.reason };
      if (err instanceof AccountRuleError || err instanceof SecretRuleError) return { ok: false, reason: err.message };
      throw err;
    }
  }

  /** True while no admin exists (a front end shows setup instead of sign-in). */
  needsSetup(): boolean {
    return this.#d.accounts.needsFirstRunSetup();
  }

  /** Ends a session; false if there was none. */
  signOut(token: string): boolean {
    return this.#sessions.delete(token);
  }

  /** `session` of each token, in order (a transport checks all its connections at once). */
  sessions(tokens: readonly string[]): Array<SessionInfo | null> {
    return tokens.map((t) => this.session(t));
  }

  /** Who a token is now, or null: unknown, expired, or the account is gone or disabled. */
  session(token: string): SessionInfo | null {
    const s = this.#live(token);
    return s && this.#info(s);
  }

  /**
   * Answers one message from a front end; never rejects. The message is parsed with the protocol's
   * schema (a malformed one is answered `bad_request`, naming what is wrong, and nothing happens),
   * the session checked (`unauthenticated`), the method dispatched. Error codes: `forbidden` (the
   * role is not enough; the message says which is needed), `not_found` (asset, incident, change),
   * `refused` (an account rule: weak secret, name taken), a `ConfigChangeError`'s own code,
   * `done_not_audited` (the action took effect but its audit row could not be written),
   * `unavailable` (a part this host was started without, e.g. live data), `failed`.
   *
   * Idempotency: within a session, a request id seen among the last `REMEMBERED_IDS` is not acted
   * on again. An action's retry gets the remembered reply (the same promise while it is still
   * running); a read's retry is answered afresh; an id reused for a different request is refused.
   *
   * The trip path: parse, session and id lookups are synchronous, and `OperatorActions.trip`
   * reaches the actuator before its first await.
   *
   * `sent`: the host thread already sent this trip request's stop (EngineThread's early stop). It
   * is latched and audited here even if the session ended meanwhile, under the name it was sent for.
   */
  handle(token: string | null, raw: unknown, sent?: HostSentStop): Promise<ConsoleReply> {
    const arrivalNs = process.hrtime.bigint();
    const parsed = ConsoleRequestSchema.safeParse(raw);
    if (!parsed.success) return Promise.resolve(fail(requestIdOf(raw), 'bad_request', describeProblem(raw, parsed.error)));
    const req = parsed.data;
    const s = token === null ? null : this.#live(token);
    if (!s && sent && req.method === 'trip') return settle(req.id, () => this.#trip({ userName: sent.userName, remote: sent.remote }, req, arrivalNs, sent));
    if (!s) return Promise.resolve(fail(req.id, 'unauthenticated', 'no session or the session expired: sign in again'));
    const key = createHash('sha256').update(JSON.stringify(req)).digest('base64');
    const seen = s.replies.get(req.id);
    if (seen && seen.key !== key) return Promise.resolve(fail(req.id, 'bad_request', `request id ${req.id} was already used for another request in this session`));
    if (seen?.reply) return seen.reply;
    const reply = settle(req.id, () => this.#dispatch(s, req, arrivalNs, sent?.userName === s.userName ? sent : undefined));
    s.replies.delete(req.id);
    s.replies.set(req.id, { key, reply: NEEDS[req.method] === 'read' ? null : reply });
    if (s.replies.size > REMEMBERED_IDS) s.replies.delete(s.replies.keys().next().value!);
    return reply;
  }

  #trip(who: Requester, req: Extract<ConsoleRequest, { method: 'trip' }>, arrivalNs: bigint, sent?: SentStop): Promise<TripReceipt[]> {
    if (req.target !== '*') this.#asset(req.target);
    const receipts = this.#d.actions.trip(who, req.target, req.reason, sent);
    const returnedNs = process.hrtime.bigint();
    return receipts.then((r) => hostLatency(r, arrivalNs, returnedNs));
  }

  #dispatch(s: Session, req: ConsoleRequest, arrivalNs: bigint, sent?: SentStop): unknown {
    const { engine, board, accounts, actions, configs, store } = this.#d;
    // Every action goes to its service with `who`, never another requester: the service's gate
    // re-reads the role and, from another machine, caps it by the account's remote grant, audited.
    const who: Requester = { userName: s.userName, remote: s.remote };
    if (NEEDS[req.method] === 'read') this.#mayRead(s, READ_MIN_ROLE[req.method] ?? 'viewer', req.method);
    switch (req.method) {
      case 'trip':
        return this.#trip(who, req, arrivalNs, sent);
      case 'status':
        return engine.status();
      case 'whoami':
        return this.#info(s);
      case 'alarms.list':
        return board.rows();
      case 'alarms.acknowledge':
        this.#asset(req.assetId);
        return actions.acknowledge(who, req.assetId, req.alarmKey, req.note);
      case 'alarms.shelve':
        this.#asset(req.assetId);
        return actions.shelve(who, req.assetId, req.alarmKey, req.durationMs, req.reason);
      case 'alarms.kpis':
        if (!(req.toMs > req.fromMs)) throw new RequestError('bad_request', 'toMs must be after fromMs');
        return storedAlarmKpis(store.repo.journal, req.fromMs, req.toMs);
      case 'reset':
        this.#asset(req.assetId);
        return actions.resetLatch(who, req.assetId, req.reason);
      case 'bypass':
        this.#asset(req.assetId);
        return req.on ? actions.bypass(who, req.assetId, req.reason) : actions.removeBypass(who, req.assetId, req.reason);
      case 'incidents.list':
        if (req.assetId !== undefined) this.#asset(req.assetId);
        return store.repo.listIncidents({ ...(req.assetId === undefined ? {} : { assetId: req.assetId }), limit: INCIDENT_LIST_LIMIT });
      case 'incidents.timeline':
        if (!store.repo.getIncident(req.incidentId)) throw new RequestError('not_found', `unknown incident ${req.incidentId}`);
        return timelineWithoutSamples(incidentTimeline(store.repo, req.incidentId, accounts.audit));
      case 'incidents.snapshot':
        return reviewed(snapshotSeries(store.repo, req));
      case 'incidents.moment':
        return incidentMoment(store.repo, req).then(reviewed);
      case 'incidents.export':
        return reviewed(incidentExport(store.repo, accounts.audit, req.incidentId, req.format));
      case 'audit.list':
        return accounts.audit.list({ limit: req.limit });
      case 'config.get':
        this.#asset(req.assetId);
        return { assetId: req.assetId, inForce: configs.inForce(req.assetId), config: engine.protectionConfig(req.assetId), pending: configs.pending(req.assetId) };
      case 'config.propose':
        this.#asset(req.assetId);
        return configs.propose(who, req.assetId, req.config, req.reason, req.revertAfterMs === undefined ? {} : { revertAfterMs: req.revertAfterMs });
      case 'config.approve':
        return configs.approve(who, req.changeId, req.note);
      case 'config.apply':
        return configs.apply(who, req.changeId);
      case 'config.history':
        this.#asset(req.assetId);
        return configs.history(req.assetId);
      case 'asset.live':
        return this.#liveView(req.assetId, req.channelId);
      case 'models.list':
        if (req.assetId !== undefined) this.#asset(req.assetId);
        return listModels(engine, store.repo.models, req.assetId === undefined ? engine.assetIds() : [req.assetId]);
      case 'models.promote':
        this.#asset(req.assetId);
        return this.#stored(actions.promote(who, req.assetId, req.reason));
      case 'models.rollback': {
        this.#storedVersion(req.assetId, req.channelId, req.versionId);
        const fromVersion = engine.monitor(req.assetId)?.model(req.channelId)?.version ?? null;
        return this.#stored(actions.rollback(who, req.assetId, req.channelId, req.versionId, req.reason)).then((toVersion) => ({ assetId: req.assetId, channelId: req.channelId, fromVersion, toVersion }));
      }
      case 'users.create':
        return accounts.createUser(who, { userName: req.userName, role: req.role, secretKind: req.secretKind, secret: req.secret }).then((u) => UserViewSchema.parse(u));
      // Account replies go through the contract's schema: it keeps only the fields it names.
      case 'users.list':
        return UserListSchema.parse(accounts.listUsers());
      case 'users.grantRemote':
        return UserViewSchema.parse(accounts.grantRemote(who, req.userName, req.maxRole, req.reason));
      case 'users.setRole':
        return UserViewSchema.parse(accounts.changeRole(who, req.userName, req.role, req.reason));
      case 'users.disable':
        return UserViewSchema.parse(accounts.disableUser(who, req.userName, req.reason));
      case 'users.enable':
        return UserViewSchema.parse(accounts.enableUser(who, req.userName, req.reason));
      default:
        return unreachable(req);
    }
  }

  /** Reads need an enabled account (and `minRole`, for the audit trail); only a refused audit read is recorded. */
  #mayRead(s: Session, minRole: Role, method: ConsoleMethod): void {
    const subject = this.#d.accounts.subject(s.userName);
    const decision = authorize(subject, 'read');
    if (!decision.ok) throw new RequestError('forbidden', decision.reason);
    const role = actingSubject(subject!, s.remote).role;
    if (rank(role) >= rank(minRole)) return;
    const refusal = `${method} needs ${minRole} or above; ${rank(subject!.role) >= rank(minRole) ? remoteCapNote(s.userName, role) : `role ${role}`}`;
    const auditId = this.#d.accounts.audit.record({ actor: s.userName, role, action: method, outcome: 'refused', refusal });
    throw new UnauthorisedError(s.userName, method, null, refusal, auditId);
  }

  #asset(assetId: string): void {
    if (!this.#d.engine.monitor(assetId)) throw new RequestError('not_found', `unknown asset ${assetId}`);
  }

  /** The asset page's live frame; built on request only (nothing of it runs on the trip path). */
  #liveView(assetId: string, channelId: string | undefined): LiveView {
    this.#asset(assetId);
    if (!this.#d.live) throw new RequestError('unavailable', 'this console host has no live data (it was started without a live view)');
    const view = this.#d.live.view(assetId, channelId);
    if (!view) throw new RequestError('not_found', `asset ${assetId} has no waveform channel ${channelId ?? ''}`);
    return view;
  }

  /**
   * Resolves with the action's result once the store writer has committed what the action queued
   * (the new version, the promotion row), so the page's next `models.list` already shows it. A
   * failed flush does not turn a done action into an error: the writer reports its own failures.
   */
  async #stored<T>(action: Promise<T>): Promise<T> {
    const result = await action;
    await this.#d.store.writer?.flush().catch(() => {});
    return result;
  }

  /** A rollback target must be a stored version of that very channel: anything else is not_found, and nothing is attempted. */
  #storedVersion(assetId: string, channelId: string, versionId: string): void {
    const m = this.#d.engine.monitor(assetId);
    if (!m) throw new RequestError('not_found', `unknown asset ${assetId}`);
    if (!m.channelIds.includes(channelId)) throw new RequestError('not_found', `asset ${assetId} has no channel ${channelId} (channels: ${m.channelIds.join(', ')})`);
    const rec = this.#d.store.repo.models.modelVersion(versionId);
    if (!rec || rec.assetId !== assetId || (rec.channelId !== null && rec.channelId !== channelId)) {
      throw new RequestError('not_found', `model version ${versionId} is not a stored version of ${assetId}/${channelId}`);
    }
  }

  /** Who the session is now: the role it acts with (from another machine, capped by the remote grant) and, if capped, the account's own. */
  #info(s: Session): SessionInfo {
    const account = this.#d.accounts.subject(s.userName);
    const role = account ? actingSubject(account, s.remote).role : 'viewer';
    return { userName: s.userName, role, expiresMs: s.expiresMs, remote: s.remote, ...(account && account.role !== role ? { cappedFrom: account.role } : {}) };
  }

  /** The session of a token if it is still good; an expired one, or one whose account is gone or disabled, is ended. */
  #live(token: string): Session | null {
    const s = this.#sessions.get(token);
    if (!s) return null;
    const subject = s.expiresMs > this.#clock() ? this.#d.accounts.subject(s.userName) : null;
    if (subject && !subject.disabled) return s;
    this.#sessions.delete(token);
    return null;
  }

  #open(userName: string, remote: boolean): SignInReply {
    const now = this.#clock();
    const mine: string[] = [];
    for (const [token, s] of this.#sessions) {
      if (s.expiresMs <= now) this.#sessions.delete(token);
      else if (s.userName === userName) mine.push(token);
    }
    // Map order is sign-in order: the user's oldest sessions end first.
    for (const token of mine.slice(0, Math.max(0, mine.length - SESSIONS_PER_USER + 1))) this.#sessions.delete(token);
    const token = randomBytes(32).toString('hex');
    const s: Session = { userName, remote, expiresMs: now + this.#ttlMs, replies: new Map() };
    this.#sessions.set(token, s);
    return { token, session: this.#info(s) };
  }
}

/**
 * Host-side latency per asset: from the request's arrival to that asset's actuator return. The
 * engine measures each asset's own command; the assets of `'*'` are commanded one after another,
 * so asset i returned before the later ones ran: the call's end minus their time.
 */
/** The reply to a request: `run`'s value, or its error as the host's error reply. */
function settle(id: string, run: () => unknown): Promise<ConsoleReply> {
  try {
    return Promise.resolve(run()).then(
      (value): ConsoleReply => ({ type: 'reply', id, ok: true, value }),
      (err: unknown) => failure(id, err),
    );
  } catch (err) {
    return Promise.resolve(failure(id, err));
  }
}

function hostLatency(receipts: TripReceipt[], arrivalNs: bigint, returnedNs: bigint): TripReceipt[] {
  let after = 0;
  const totalUs = Number(returnedNs - arrivalNs) / 1000;
  const out = new Array<TripReceipt>(receipts.length);
  for (let i = receipts.length - 1; i >= 0; i--) {
    const r = receipts[i]!;
    out[i] = { ...r, latencyUs: Math.max(r.latencyUs, totalUs - after) };
    after += r.latencyUs;
  }
  return out;
}

/** An incident review's answer, or its refusal as the host's own error (not_found, bad_request). */
function reviewed<T>(r: Reviewed<T>): T {
  if (!r.ok) throw new RequestError(r.code, r.message);
  return r.value;
}

function failure(id: string, err: unknown): ConsoleReply {
  if (err instanceof RequestError) return fail(id, err.code, err.message);
  if (err instanceof UnauthorisedError) return fail(id, 'forbidden', err.message);
  if (err instanceof AuditWriteError) return fail(id, err.performed ? 'done_not_audited' : 'failed', err.message);
  if (err instanceof ConfigChangeError) return fail(id, err.code === 'VIGIL_UNKNOWN_ASSET' || err.code === 'VIGIL_UNKNOWN_CHANGE' ? 'not_found' : err.code, err.message);
  if (err instanceof AccountRuleError || err instanceof SecretRuleError) return fail(id, 'refused', err.message);
  return fail(id, 'failed', err instanceof Error ? err.message : String(err));
}

/** What is wrong with a message, in a sentence: never echoes more than a short piece of it. */
function describeProblem(raw: unknown, error: z.ZodError): string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return `a request must be a JSON object with an id and a method, got ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : `a ${typeof raw}`}`;
  }
  const method = (raw as { method?: unknown }).method;
  if (typeof method !== 'string') return `method is missing or not a string (methods: ${METHODS.join(', ')})`;
  if (!METHODS.includes(method)) return `unknown method '${method.slice(0, 64)}' (methods: ${METHODS.join(', ')})`;
  return `${method}: ${describeIssues(error)}`;
}

function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((i) => {
    const nested = i.code === 'invalid_union' ? i.errors.map((e) => e[0]?.message).filter(Boolean) : [];
    return `${i.path.join('.') || 'message'}: ${nested.length > 0 ? nested.join(', or ') : i.message}`;
  });
  return parts.join('; ') + (error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : '');
}

function unreachable(x: never): never {
  throw new Error(`unhandled request ${JSON.stringify(x)}`);
}
