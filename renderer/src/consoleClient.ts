import { z } from 'zod';
import {
  ConsolePushSchema,
  ConsoleReplySchema,
  ConsoleRequestSchema,
  SignInReplySchema,
  type ConsoleMethod,
  type ConsoleRequest,
  type PlantStatus,
  type SessionInfo,
  type SignInReply,
} from '../../engine/contract';
import type { DesktopConsoleApi } from '../../engine/contract/api';

/** How long a request waits for its reply before the caller is told (the host answers in ms when healthy). */
export const REQUEST_TIMEOUT_MS = 10_000;
/**
 * Requests that wait for work behind other work in the engine (a promotion for the learner thread,
 * a proposal for its backtest over weeks of history) get longer before the page gives up on them.
 */
const SLOW_METHODS: ReadonlySet<ConsoleMethod> = new Set<ConsoleMethod>(['models.promote', 'models.rollback', 'config.propose']);
const SLOW_TIMEOUT_MS = 120_000;
/** Reconnect back-off: first retry, doubling up to the ceiling. */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 8_000;
/** The host closes a socket with this code when its session expired or was signed out: no reconnect. */
const SESSION_ENDED = 4001;

/** The parameters of one method: the request without the envelope the client fills in. */
export type ConsoleParams<M extends ConsoleMethod> = Omit<Extract<ConsoleRequest, { method: M }>, 'id' | 'method'>;

/** A refusal or failure a person can read; `code` (bad_request, forbidden, timeout, …) is for programs. */
export class ConsoleError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

/** Where the socket is; the header shows it so a stale page never passes for a live one. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'expired';

/** What the host says about its engine when it is not answering (pushed, not requested). */
export interface EngineNote {
  state: 'running' | 'restarting' | 'not-answering';
  detail: string;
}

/** A machine as the e-stop bar and the pickers list it. */
export interface AssetRef {
  assetId: string;
  name: string;
}

/**
 * The machine list alone, read from a status push that failed the full schema: the emergency stop
 * must never lose its targets because some unrelated field of the status is out of contract.
 */
const AssetListPushSchema = z.object({ type: z.literal('status'), status: z.object({ assets: z.array(z.object({ assetId: z.string().min(1), name: z.string() })) }) });

/** Calls one listener; one that throws is reported and does not keep the others from the message. */
function notify<T>(listener: (v: T) => void, value: T): void {
  try {
    listener(value);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/** The handlers of one open link: the client's side of a WebSocket or of the desktop bridge. */
export interface LinkHandlers {
  onOpen(): void;
  onMessage(text: string): void;
  /** The link closed; `code` SESSION_ENDED (4001) means the session ended: no reconnect. */
  onClose(code: number): void;
}

/** One open link carrying the console protocol as JSON text frames. */
export interface ConsoleLink {
  send(text: string): void;
  close(): void;
}

/**
 * How this page reaches the console host: `webAccess` over `vigil serve`'s HTTP and WebSocket, or
 * `desktopAccess` through the desktop app's preload. The client, the pages and every check on
 * what arrives are the same for both.
 */
export interface ConsoleAccess {
  needsSetup(): Promise<boolean>;
  signIn(userName: string, secret: string): Promise<SignInReply>;
  /** First run only: creates the first administrator (refused once one exists) and signs them in. */
  setup(userName: string, secret: string): Promise<SignInReply>;
  open(token: string, h: LinkHandlers): ConsoleLink;
  signOut(token: string): Promise<void>;
}

async function postSession(baseUrl: string, path: '/session' | '/setup', userName: string, secret: string): Promise<SignInReply> {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName, secret }), cache: 'no-store' });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = body && typeof body === 'object' && 'error' in body && typeof body.error === 'string' ? body.error : `${res.status} ${res.statusText}`;
    throw new ConsoleError(res.status === 401 ? 'unauthenticated' : 'failed', error);
  }
  const parsed = SignInReplySchema.safeParse(body);
  if (!parsed.success) throw new ConsoleError('bad_reply', `the console host answered ${path} with something that is not a session: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/**
 * `vigil serve` from a browser: sign-in over HTTP (`POST /session`, `POST /setup`), then the token
 * opens the WebSocket `/ws?token=…`. Rejects with the host's message (wrong PIN, …).
 */
export function webAccess(baseUrl: string): ConsoleAccess {
  return {
    async needsSetup() {
      const r = await fetch(`${baseUrl}/setup`, { cache: 'no-store' });
      const v: unknown = r.ok ? await r.json() : null;
      return !!v && typeof v === 'object' && 'needed' in v && v.needed === true;
    },
    signIn: (userName, secret) => postSession(baseUrl, '/session', userName, secret),
    setup: (userName, secret) => postSession(baseUrl, '/setup', userName, secret),
    open(token, h) {
      const url = new URL('/ws', baseUrl);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('token', token);
      const ws = new WebSocket(url);
      ws.onopen = () => h.onOpen();
      ws.onmessage = (ev) => h.onMessage(typeof ev.data === 'string' ? ev.data : '');
      ws.onclose = (ev) => h.onClose(ev.code);
      return {
        send: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        },
        close: () => ws.close(1000, 'signed out'),
      };
    },
    async signOut(token) {
      await fetch(`${baseUrl}/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
    },
  };
}

/**
 * The desktop app: the same protocol through the preload's `window.vigil.console`. The link is up
 * while the window lives; main keeps the session's token and says when the session ended.
 */
export function desktopAccess(api: DesktopConsoleApi): ConsoleAccess {
  const answer = (out: { ok: true; reply: SignInReply } | { ok: false; reason: string }): SignInReply => {
    if (!out.ok) throw new ConsoleError('unauthenticated', out.reason);
    return out.reply;
  };
  return {
    needsSetup: () => api.needsSetup(),
    signIn: async (userName, secret) => answer(await api.signIn({ userName, secret })),
    setup: async (userName, secret) => answer(await api.setup({ userName, secret })),
    open(_token, h) {
      let open = true;
      const off = api.onMessage((text) => {
        if (!open) return;
        if (text.startsWith('{"type":"session-ended"')) {
          open = false;
          off();
          h.onClose(SESSION_ENDED);
        } else h.onMessage(text);
      });
      queueMicrotask(() => open && h.onOpen());
      return {
        send: (text) => {
          if (open) api.send(text);
        },
        close: () => {
          open = false;
          off();
        },
      };
    },
    signOut: () => api.signOut(),
  };
}

interface Pending {
  method: ConsoleMethod;
  frame: string;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One signed-in session's link to `vigil serve`: requests with fresh ids and a 10-s timeout, the
 * status pushed at the host's fixed rate, reconnection with back-off. Every incoming message is
 * parsed with the contract's schemas; one that does not parse is dropped with a warning, never
 * handed to a page. Requests still waiting when the socket drops are sent again after the reconnect
 * with the same id: the host answers a repeated id from memory, so a trip is never sent twice.
 * Owns its socket and timers; `dispose()` releases all of them.
 */
export class ConsoleClient {
  private socket: ConsoleLink | null = null;
  private linkOpen = false;
  private readonly pending = new Map<string, Pending>();
  private readonly statusListeners = new Set<(s: PlantStatus) => void>();
  private readonly engineListeners = new Set<(n: EngineNote) => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly problemListeners = new Set<(problem: string | null) => void>();
  private readonly assetListeners = new Set<(assets: AssetRef[]) => void>();
  private problem: string | null = null;
  private assetList: AssetRef[] = [];
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private disposed = false;
  private latestStatus: PlantStatus | null = null;
  state: ConnectionState = 'connecting';

  constructor(
    readonly access: ConsoleAccess,
    readonly token: string,
    readonly session: SessionInfo,
  ) {
    this.connect();
  }

  /** The most recent pushed status, or null before the first one. */
  get status(): PlantStatus | null {
    return this.latestStatus;
  }

  /** Sends one request and resolves with its value; rejects with a `ConsoleError` (the host's refusal, a timeout, a bad request). */
  request<M extends ConsoleMethod>(method: M, params: ConsoleParams<M>): Promise<unknown> {
    if (this.disposed) return Promise.reject(new ConsoleError('closed', 'signed out: sign in again'));
    const id = crypto.randomUUID();
    const parsed = ConsoleRequestSchema.safeParse({ ...params, id, method });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return Promise.reject(new ConsoleError('bad_request', `${issue?.path.join('.') || method}: ${issue?.message ?? 'invalid request'}`));
    }
    const frame = JSON.stringify(parsed.data);
    const timeoutMs = SLOW_METHODS.has(method) ? SLOW_TIMEOUT_MS : REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ConsoleError('timeout', `${method}: no reply from the console host within ${timeoutMs / 1000} s (${this.state === 'open' ? 'the host is busy' : 'the connection is down'}); check the result before repeating it`));
      }, timeoutMs);
      this.pending.set(id, { method, frame, resolve, reject, timer });
      if (this.linkOpen) this.socket?.send(frame);
    });
  }

  /** Called with every pushed status (the host's fixed rate); returns the unsubscribe function. */
  onStatus(listener: (s: PlantStatus) => void): () => void {
    this.statusListeners.add(listener);
    if (this.latestStatus) listener(this.latestStatus);
    return () => this.statusListeners.delete(listener);
  }

  /** Called when the host says its engine is not answering (or is again). */
  onEngine(listener: (n: EngineNote) => void): () => void {
    this.engineListeners.add(listener);
    return () => this.engineListeners.delete(listener);
  }

  /** Called on every connection state change, and once now. */
  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Called with the plant's machines whenever the list changes, and once now. Taken from every
   * status push, also from one whose other fields are out of contract (see AssetListPushSchema).
   */
  onAssets(listener: (assets: AssetRef[]) => void): () => void {
    this.assetListeners.add(listener);
    listener(this.assetList);
    return () => this.assetListeners.delete(listener);
  }

  /**
   * Called when pushed messages stop matching the contract (the page then keeps the last valid
   * status and must say so), and with null once they match again; called once now.
   */
  onProblem(listener: (problem: string | null) => void): () => void {
    this.problemListeners.add(listener);
    listener(this.problem);
    return () => this.problemListeners.delete(listener);
  }

  /** Signs out at the host (best effort) and releases the socket, timers and waiting requests. */
  async signOut(): Promise<void> {
    this.dispose();
    await this.access.signOut(this.token).catch(() => undefined);
  }

  /** Closes the socket, stops reconnecting and rejects every waiting request. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.close();
    this.socket = null;
    this.linkOpen = false;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ConsoleError('closed', `${p.method}: signed out before the reply`));
      this.pending.delete(id);
    }
    this.setState('closed');
    this.statusListeners.clear();
    this.engineListeners.clear();
    this.stateListeners.clear();
    this.problemListeners.clear();
    this.assetListeners.clear();
  }

  private setAssets(assets: ReadonlyArray<AssetRef>): void {
    if (assets.length === this.assetList.length && assets.every((a, i) => a.assetId === this.assetList[i]!.assetId && a.name === this.assetList[i]!.name)) return;
    this.assetList = assets.map((a) => ({ assetId: a.assetId, name: a.name }));
    for (const l of this.assetListeners) l(this.assetList);
  }

  private setProblem(problem: string | null): void {
    if (this.problem === problem) return;
    this.problem = problem;
    for (const l of this.problemListeners) l(problem);
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private connect(): void {
    if (this.disposed) return;
    if (this.session.expiresMs <= Date.now()) {
      this.setState('expired');
      return;
    }
    this.setState(this.failures === 0 ? 'connecting' : 'reconnecting');
    this.linkOpen = false;
    const link: ConsoleLink = this.access.open(this.token, {
      onOpen: () => {
        if (this.socket !== link || this.disposed) return;
        this.linkOpen = true;
        this.failures = 0;
        this.setState('open');
        // Requests that were waiting when the link dropped: same id, so the host never acts twice.
        for (const p of this.pending.values()) link.send(p.frame);
      },
      onMessage: (text) => {
        if (this.socket === link) this.receive(text);
      },
      onClose: (code) => {
        if (this.socket !== link || this.disposed) return;
        this.socket = null;
        this.linkOpen = false;
        if (code === SESSION_ENDED) {
          this.setState('expired');
          return;
        }
        this.failures += 1;
        this.setState('reconnecting');
        const delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.failures - 1));
        this.reconnectTimer = setTimeout(() => this.connect(), delayMs * (0.75 + Math.random() * 0.5));
      },
    });
    this.socket = link;
  }

  private receive(data: unknown): void {
    let msg: unknown;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : '');
    } catch {
      console.warn('console host sent a message that is not JSON; dropped');
      return;
    }
    if (msg && typeof msg === 'object' && 'type' in msg && msg.type === 'reply') {
      const reply = ConsoleReplySchema.safeParse(msg);
      if (!reply.success) return console.warn('console host sent a malformed reply; dropped', reply.error.issues[0]);
      const p = this.pending.get(reply.data.id);
      if (!p) return; // answered already (a repeat after a reconnect) or timed out
      this.pending.delete(reply.data.id);
      clearTimeout(p.timer);
      if (reply.data.ok) p.resolve(reply.data.value);
      else {
        if (reply.data.error.code === 'unauthenticated') this.setState('expired');
        p.reject(new ConsoleError(reply.data.error.code, reply.data.error.message));
      }
      return;
    }
    const push = ConsolePushSchema.safeParse(msg);
    if (!push.success) {
      const list = AssetListPushSchema.safeParse(msg);
      if (list.success) this.setAssets(list.data.status.assets);
      const issue = push.error.issues[0];
      const what = msg && typeof msg === 'object' && 'type' in msg && msg.type === 'status' ? 'plant status' : 'push';
      this.setProblem(`the host's ${what} does not match the contract (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}); showing the last valid one`);
      return;
    }
    if (push.data.type === 'status') {
      this.setProblem(null);
      this.setAssets(push.data.status.assets);
      this.latestStatus = push.data.status;
      for (const l of this.statusListeners) notify(l, push.data.status);
    } else {
      for (const l of this.engineListeners) notify(l, { state: push.data.state, detail: push.data.detail });
    }
  }
}
