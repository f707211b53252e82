import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { ConsoleReply } from '../contract/console';
import type { PlantStatus } from '../contract/status';
import type { SignInOutcome } from './ConsoleHost';
import type { ConsolePort, EngineNote } from './EngineThread';
import { staticFiles } from './staticFiles';

/** How `startConsoleServer` is set up. */
export interface ConsoleServerOptions {
  /** The console: a `ConsoleHost` in this thread, or an `EngineThread` running it in its own. */
  host: ConsolePort;
  /** The latest plant snapshot (pushed to every socket, served at GET /status); null while the engine starts. */
  status: () => PlantStatus | null;
  /** Whether the engine answers; pushed to every socket while it does not, and once when it does again. */
  engineNote?: () => EngineNote;
  /** The built renderer to serve at /; absent or missing: no page, the API only. */
  uiDir?: string;
  /** Address to bind; default 127.0.0.1 (this machine only). */
  listenHost?: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Told when a new status is available (an `EngineThread`'s `onStatus`): then each status is pushed
   * as it arrives, not up to a period later, and the timer only checks sessions while none arrive.
   */
  statusEvents?: (listener: () => void) => () => void;
  /** Status push period; default 500 ms. */
  pushIntervalMs?: number;
}

/** What the server has seen; for tests and for a later health page. */
export interface ConsoleServerCounters {
  /** WebSocket messages received, and replies sent. */
  messages: number;
  replies: number;
  /** Binary or non-JSON text messages (answered `bad_request`). */
  badMessages: number;
  /** Messages over `MAX_MESSAGE_BYTES` (the socket is closed with 1009). */
  oversized: number;
  statusPushes: number;
  /** Pushes skipped because the socket had not taken the previous ones. */
  pushesSkipped: number;
  /** Upgrades refused (no or bad token, foreign Origin or Host, wrong path). */
  upgradesRefused: number;
  /** Sockets closed with 4001 because their session ended. */
  sessionsClosed: number;
  /** Sockets closed because they did not read their replies. */
  slowClosed: number;
}

/** A running console server; `close()` ends every socket and stops listening. */
export interface ConsoleServer {
  url: string;
  counters(): Readonly<ConsoleServerCounters>;
  close(): Promise<void>;
}

/** Largest WebSocket message accepted; larger ones close the socket with 1009 (message too big). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Largest sign-in or setup body. */
const MAX_BODY_BYTES = 4 * 1024;
/** Unsent bytes at which a socket misses status pushes, and at which it is closed for not reading. */
const PUSH_SKIP_BYTES = 1 << 20;
const SLOW_CLOSE_BYTES = 16 << 20;
/** Close code for a session that expired or was signed out (4000–4999 are the application's). */
export const SESSION_ENDED = 4001;

/**
 * The console over HTTP and WebSocket, for a browser (`vigil serve --port`) and for tests:
 * - `POST /session` {userName, secret} → 200 {token, session} | 401 {error};
 *   `POST /setup` (first admin, loopback only) → 200 {token, session} | 403 {error}; `GET /setup` → {needed};
 *   `DELETE /session` with `Authorization: Bearer <token>` → 204 | 401.
 * - `GET /ws?token=…`: the console protocol (`ConsoleHost.handle`), one JSON text message per
 *   request; the plant status pushed every `pushIntervalMs`; closed with 4001 when the session ends.
 * - `GET /status`: the plant snapshot as JSON, without a token: it is read-only plant state (what
 *   the wall display shows); everything that reads records or changes anything needs a token.
 * - the built renderer at /, with a strict Content-Security-Policy.
 *
 * Browser attacks it refuses: a foreign Origin on the WebSocket (cross-site WebSocket hijacking) and
 * on POST/DELETE, a POST that is not `application/json` (a plain form cannot send it, and a script
 * cannot without a CORS preflight, which is never granted), and a Host header that names neither
 * an IP address, localhost nor the `listenHost` given (DNS rebinding needs a name).
 */
export async function startConsoleServer(o: ConsoleServerOptions): Promise<ConsoleServer> {
  const listenHost = o.listenHost ?? '127.0.0.1';
  const ui = o.uiDir !== undefined && existsSync(o.uiDir) ? staticFiles(o.uiDir) : null;
  const counters: ConsoleServerCounters = { messages: 0, replies: 0, badMessages: 0, oversized: 0, statusPushes: 0, pushesSkipped: 0, upgradesRefused: 0, sessionsClosed: 0, slowClosed: 0 };
  const sockets = new Map<WebSocket, string>();
  let port = o.port;
  const pushIntervalMs = o.pushIntervalMs ?? 500;
  // One snapshot per push period, serialised once, for every socket and every GET /status in it.
  // With status events the snapshot is serialised once per new status (the same object until the next).
  let snapshot: { atMs: number; of: PlantStatus; json: string } | null = null;
  const statusJson = (): string | null => {
    const now = Date.now();
    if (o.statusEvents ? o.status() !== snapshot?.of : !snapshot || now - snapshot.atMs >= pushIntervalMs) {
      const s = o.status();
      snapshot = s === null ? null : { atMs: now, of: s, json: JSON.stringify(s) };
    }
    return snapshot?.json ?? null;
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = ownHost(req.headers.host, listenHost, port);
    if (!host) return json(res, 421, { error: 'unknown Host: use the address the console prints' });
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('content-security-policy', `default-src 'self'; connect-src 'self' ws://${host}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'`);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/status' && req.method === 'GET') {
      const body = statusJson();
      if (body === null) return json(res, 503, { error: 'the engine is starting: no plant status yet' });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (path === '/setup' && req.method === 'GET') return json(res, 200, { needed: await o.host.needsSetup() });
    if ((path === '/session' || path === '/setup') && req.method === 'POST') {
      const body = await jsonBody(req, res, host);
      if (body === undefined) return;
      const origin = { remote: !isLoopback(req.socket.remoteAddress) };
      const out: SignInOutcome = path === '/session' ? await o.host.signIn(body, origin) : await o.host.setup(body, origin);
      return out.ok ? json(res, 200, out.reply) : json(res, path === '/session' ? 401 : 403, { error: out.reason });
    }
    if (path === '/session' && req.method === 'DELETE') {
      if (!originOk(req.headers.origin, host)) return json(res, 403, { error: 'foreign Origin' });
      const token = /^Bearer ([0-9a-f]{64})$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !(await o.host.signOut(token))) return json(res, 401, { error: 'no such session' });
      res.writeHead(204).end();
      return;
    }
    if (!(await ui?.(req, res))) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: GET / for the console page, GET /status for JSON\n');
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch(() => socket.destroy()); // e.g. a request target that is not a URL; never the process
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const host = ownHost(req.headers.host, listenHost, port);
    const token = url.searchParams.get('token');
    const refusal: [number, string] | null =
      url.pathname !== '/ws' ? [404, 'Not Found']
      : !host || !originOk(req.headers.origin, host) ? [403, 'Forbidden']
      : !token || !(await o.host.sessions([token]))[0] ? [401, 'Unauthorized']
      : null;
    if (refusal) {
      counters.upgradesRefused++;
      const body = `${refusal[1]}: ${refusal[0] === 401 ? 'sign in (POST /session) and open /ws?token=<token>' : 'refused'}\n`;
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${refusal[0]} ${refusal[1]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, token!));
  }

  function accept(ws: WebSocket, token: string): void {
    sockets.set(ws, token);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') counters.oversized++;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      counters.messages++;
      let raw: unknown;
      try {
        if (isBinary) throw new Error('binary messages are not part of the protocol: send JSON text');
        raw = JSON.parse(String(data));
      } catch (err) {
        counters.badMessages++;
        const message = isBinary ? (err as Error).message : 'the message is not JSON';
        send(ws, { type: 'reply', id: '', ok: false, error: { code: 'bad_request', message } });
        return;
      }
      void o.host.handle(token, raw).then((reply) => send(ws, reply));
    });
  }

  function send(ws: WebSocket, reply: ConsoleReply): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > SLOW_CLOSE_BYTES) {
      counters.slowClosed++;
      ws.close(1008, 'replies are not being read');
      return;
    }
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (err) {
      text = JSON.stringify({ type: 'reply', id: reply.id, ok: false, error: { code: 'failed', message: `the reply could not be sent as JSON: ${err instanceof Error ? err.message : String(err)}` } } satisfies ConsoleReply);
    }
    ws.send(text);
    counters.replies++;
  }

  /**
   * Every tick: end the sockets whose session ended (one question to the console for all of
   * them), then one snapshot, serialised once, to every other socket; while the engine is not
   * answering, say so on every tick, and once more when it answers again.
   */
  let lastNote: EngineNote['state'] = 'running';
  let pushing = false;
  async function push(): Promise<void> {
    const entries = [...sockets];
    const who = entries.length > 0 ? await o.host.sessions(entries.map(([, token]) => token)) : [];
    const note = o.engineNote?.() ?? null;
    const noteFrame = note && (note.state !== 'running' || lastNote !== 'running') ? JSON.stringify({ type: 'engine', state: note.state, detail: note.detail }) : null;
    if (note) lastNote = note.state;
    const body = statusJson();
    const frame = body === null ? null : `{"type":"status","status":${body}}`;
    entries.forEach(([ws], i) => {
      if (!who[i]) {
        counters.sessionsClosed++;
        sockets.delete(ws);
        ws.close(SESSION_ENDED, 'session expired or signed out: sign in again');
        return;
      }
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > PUSH_SKIP_BYTES) {
        counters.pushesSkipped++;
        return;
      }
      if (noteFrame) ws.send(noteFrame);
      if (frame === null) return;
      ws.send(frame);
      counters.statusPushes++;
    });
  }
  let lastEventMs = 0;
  const pushNow = (): void => {
    // A console that answers slowly must not pile up pushes: one at a time.
    if (pushing) return;
    pushing = true;
    push()
      .catch((err: unknown) => console.error(`console server: status push failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (pushing = false));
  };
  const unsubscribe = o.statusEvents?.(() => {
    lastEventMs = Date.now();
    pushNow();
  });
  const timer = setInterval(() => {
    if (Date.now() - lastEventMs >= 2 * pushIntervalMs) pushNow();
  }, pushIntervalMs);
  timer.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(timer);
    unsubscribe?.();
    wss.close();
    throw err;
  }
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    url: `http://${isIP(listenHost) === 6 ? `[${listenHost}]` : listenHost}:${port}`,
    counters: () => ({ ...counters }),
    async close() {
      clearInterval(timer);
      unsubscribe?.();
      for (const ws of sockets.keys()) ws.close(1001, 'server stopping');
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // Upgraded sockets are no longer the HTTP server's to close: give them a moment for the close handshake.
      await new Promise((r) => setTimeout(r, 100).unref());
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await closing;
    },
  };
}

function json(res: ServerResponse, code: number, value: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(value));
}

/**
 * Reads a JSON body of at most `MAX_BODY_BYTES` from a same-origin `application/json` POST; on any
 * problem answers it (400, 403, 413, 415) and resolves undefined.
 */
async function jsonBody(req: IncomingMessage, res: ServerResponse, host: string): Promise<unknown> {
  if (!originOk(req.headers.origin, host)) return json(res, 403, { error: 'foreign Origin' });
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return json(res, 415, { error: 'send the body as application/json' });
  const body = await new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
      else resolve(null); // the rest is read and dropped; the connection closes after the 413
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
  if (body === null) {
    res.setHeader('connection', 'close');
    return json(res, 413, { error: `the body is over ${MAX_BODY_BYTES} bytes` });
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return json(res, 400, { error: 'the body is not JSON' });
  }
}

/**
 * The Host header if it names this server: its port, and an IP address, localhost or the listen
 * host by name. Anything else (a rebound DNS name) is refused. Returns it lower-cased, or null.
 */
function ownHost(header: string | undefined, listenHost: string, port: number): string | null {
  if (!header) return null;
  let url: URL;
  try {
    url = new URL(`http://${header}`);
  } catch {
    return null;
  }
  const host = header.toLowerCase();
  const name = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.host !== host || Number(url.port || 80) !== port) return null;
  return isIP(name) !== 0 || name === 'localhost' || name === listenHost.toLowerCase() ? host : null;
}

/** No Origin (not a browser, or a same-origin GET), or exactly this server as the client reached it. */
function originOk(origin: string | undefined, host: string): boolean {
  return origin === undefined || origin.toLowerCase() === `http://${host}`;
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}
