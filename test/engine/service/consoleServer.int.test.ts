import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { Accounts } from '../../../engine/auth/Accounts';
import { ConfigService } from '../../../engine/config/ConfigService';
import { ConsolePushSchema, ConsoleReplySchema, SignInReplySchema, type ConsoleReply } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { ConsoleHost } from '../../../engine/service/ConsoleHost';
import { MAX_MESSAGE_BYTES, SESSION_ENDED, startConsoleServer, type ConsoleServer } from '../../../engine/service/consoleServer';
import { OperatorActions } from '../../../engine/service/OperatorActions';
import { openStore } from '../../../engine/store/openStore';
import { vectorAsset } from '../../support/vectorAsset';

/**
 * The console over real HTTP and WebSocket on a random loopback port: sign-in, the status push, the
 * protocol, refused upgrades, a flood of garbage on one socket, and sessions that end.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-console-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ASSET = 'press-7';
const OLGA = { userName: 'olga', secret: '582914' };

/** A small real console (one feature-vector machine, SQLite on disk) served on a random port. */
async function served(name: string) {
  const t = { ms: 1_800_000_000_000 };
  const clock = () => t.ms;
  const store = openStore(join(dir, `${name}.sqlite`));
  const actuator = new RecordingActuator(clock);
  const engine = await Engine.create({ assets: [vectorAsset({ assetId: ASSET, channels: { f: ['rms', 'kurtosis', 'temp'] }, commissioningWindows: 40, learning: { enabled: false } })], clock, actuator, store: (op) => store.writer.enqueue(op) });
  const board = new AlarmBoard(() => {});
  await store.writer.flush();
  const accounts = new Accounts(store.db, { scryptParams: { n: 2 ** 10, r: 8, p: 1, keylenBytes: 32 }, nowMs: clock });
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock });
  configs.start();
  await accounts.createFirstAdmin('ada', 'correct horse battery');
  await accounts.createUser({ userName: 'ada' }, { userName: 'olga', role: 'operator', secretKind: 'pin', secret: OLGA.secret });
  const host = new ConsoleHost({ engine, board, accounts, actions: new OperatorActions(engine, store.repo, accounts, board, clock), configs, store }, { clock, sessionTtlMs: 3_600_000 });
  const uiDir = join(dir, `${name}-ui`);
  mkdirSync(uiDir, { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>Vigil</title>');
  const server: ConsoleServer = await startConsoleServer({ host, status: () => engine.status(), uiDir, port: 0 });
  cleanups.push(async () => {
    await server.close();
    await engine.dispose();
    await store.close();
  });
  return { t, server, actuator, url: server.url, wsUrl: server.url.replace(/^http/, 'ws') };
}

async function post(url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function signIn(url: string): Promise<string> {
  const res = await post(`${url}/session`, OLGA);
  expect(res.status).toBe(200);
  return SignInReplySchema.parse(res.body).token;
}

/** A socket with its incoming messages split into replies and pushes, and a way to wait for either. */
async function open(wsUrl: string, token: string, origin?: string) {
  const ws = new WebSocket(`${wsUrl}/ws?token=${token}`, origin ? { origin } : {});
  const replies: ConsoleReply[] = [];
  const pushes: unknown[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string };
    if (m.type === 'reply') replies.push(ConsoleReplySchema.parse(m));
    else pushes.push(ConsolePushSchema.parse(m));
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const until = async (ok: () => boolean, timeoutMs = 2000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms (${replies.length} replies, ${pushes.length} pushes)`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  const ask = async (req: Record<string, unknown>): Promise<ConsoleReply> => {
    ws.send(JSON.stringify(req));
    await until(() => replies.some((r) => r.id === req.id));
    return replies.find((r) => r.id === req.id)!;
  };
  return { ws, replies, pushes, closed, until, ask };
}

/** The HTTP status with which an upgrade to `url` is refused (or 101 if it is accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(headers.origin ? { origin: headers.origin } : {}) });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
    ws.once('error', (e) => (e.message.includes('Unexpected server response') ? undefined : reject(e)));
  });
}

describe('console server: HTTP sign-in and the WebSocket protocol', () => {
  it('given a sign-in over POST /session, when the socket opens with its token, then the status is pushed within 2 s and requests are answered; signing out closes the socket with 4001', async () => {
    const c = await served('protocol');
    expect(await post(`${c.url}/session`, { userName: 'olga', secret: '000000' })).toEqual({ status: 401, body: { error: 'unknown user name or wrong password/PIN' } });
    const token = await signIn(c.url);
    const s = await open(c.wsUrl, token, c.url);
    await s.until(() => s.pushes.length > 0);
    expect(s.pushes[0]).toMatchObject({ type: 'status', status: { assets: [{ assetId: ASSET }] } });
    expect(await s.ask({ id: 'who', method: 'whoami' })).toMatchObject({ id: 'who', ok: true, value: { userName: 'olga', role: 'operator' } });
    const trip = await s.ask({ id: 'estop', method: 'trip', target: ASSET, reason: 'guard door open' });
    expect(trip).toMatchObject({ ok: true, value: [{ assetId: ASSET, actuator: 'builtin-recorder' }] });
    expect(c.actuator.trips()).toHaveLength(1);

    const del = await fetch(`${c.url}/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(del.status).toBe(204);
    expect(await s.closed).toEqual({ code: SESSION_ENDED, reason: expect.stringMatching(/sign in again/) });
    expect((await fetch(`${c.url}/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    expect(c.server.counters()).toMatchObject({ sessionsClosed: 1, replies: 2 });
  });

  it('given the session expires, then the socket is closed with 4001 and a reason', async () => {
    const c = await served('expiry');
    const s = await open(c.wsUrl, await signIn(c.url));
    c.t.ms += 3_600_000;
    const started = Date.now();
    expect(await s.closed).toEqual({ code: 4001, reason: 'session expired or signed out: sign in again' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('given no token, a bad token, a foreign Origin, a rebound Host or another path, then the upgrade is refused with 401, 403 or 404', async () => {
    const c = await served('upgrade');
    const token = await signIn(c.url);
    expect(await upgradeStatus(`${c.wsUrl}/ws`)).toBe(401);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=${'0'.repeat(64)}`)).toBe(401);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=nonsense`)).toBe(401);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=${token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=${token}`, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=${token}`, { host: `evil.example:${new URL(c.url).port}` })).toBe(403);
    expect(await upgradeStatus(`${c.wsUrl}/other?token=${token}`)).toBe(404);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=${token}`, { origin: c.url })).toBe(101);
    expect(await upgradeStatus(`${c.wsUrl}/ws?token=${token}`)).toBe(101);
    expect(c.server.counters().upgradesRefused).toBe(7);
  });

  it('given sign-in bodies that are too big, not JSON, sent as a form or from another site, then they are refused before any login is tried', async () => {
    const c = await served('http');
    expect(await post(`${c.url}/session`, { userName: 'olga', secret: 'x'.repeat(5000) })).toEqual({ status: 413, body: { error: 'the body is over 4096 bytes' } });
    expect(await post(`${c.url}/session`, '{"userName":')).toEqual({ status: 400, body: { error: 'the body is not JSON' } });
    expect(await post(`${c.url}/session`, 'userName=olga&secret=582914', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415 });
    expect(await post(`${c.url}/session`, OLGA, { 'content-type': 'application/json', origin: 'http://evil.example' })).toMatchObject({ status: 403 });
    expect(await post(`${c.url}/session`, { userName: 'olga' })).toMatchObject({ status: 401, body: { error: expect.stringMatching(/secret/) } });
    expect(await post(`${c.url}/setup`, { userName: 'eve', secret: 'another long secret' })).toEqual({ status: 403, body: { error: 'first-run setup is over: an admin account exists' } });
    expect(await (await fetch(`${c.url}/setup`)).json()).toEqual({ needed: false });
    // The page carries the strict policy; /status stays open (read-only plant state).
    const page = await fetch(`${c.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(
      `default-src 'self'; connect-src 'self' ws://${new URL(c.url).host}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'`,
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await fetch(`${c.url}/status`)).json()).toMatchObject({ assets: [{ assetId: ASSET }] });
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${c.url}/status`, { headers: { host: `evil.example:${new URL(c.url).port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(421);
  });
});

describe('console server: garbage on the socket', () => {
  it('given 10 000 random and malformed messages on one socket, then every one is answered and a valid request afterwards still is', async () => {
    const c = await served('flood');
    const s = await open(c.wsUrl, await signIn(c.url));
    const u = new SeededUniform(20);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u.next() * xs.length)]!;
    const junk: unknown[] = [null, 0, -1e308, 'x', '', true, [], {}, { a: { b: [1, 2, 3] } }, 'x'.repeat(2000), NaN, '\u0000\ud800'];
    const methods = ['status', 'whoami', 'trip', 'reset', 'bypass', 'alarms.shelve', 'alarms.kpis', 'config.propose', 'users.create', 'audit.list', 'shutdown', '__proto__', 'constructor'];
    const N = 10_000;
    const kinds = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const kind = pick(['text', 'binary', 'json', 'request', 'nested'] as const);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      if (kind === 'binary') {
        s.ws.send(Buffer.from(Array.from({ length: 1 + Math.floor(u.next() * 64) }, () => Math.floor(u.next() * 256))));
      } else if (kind === 'text') {
        s.ws.send(pick(['{', '}{', '{"id":', 'trip *', '\u00ff\u0000', '[1,2', 'undefined', '{"__proto__":{"id":"x"}}']) + String(u.next()).slice(2, 6));
      } else if (kind === 'json') {
        s.ws.send(JSON.stringify(pick(junk)) ?? 'null');
      } else if (kind === 'nested') {
        const depth = 1 + Math.floor(u.next() * 20_000);
        s.ws.send('['.repeat(depth) + ']'.repeat(depth));
      } else {
        // Action methods always miss a field or get a wrong type, so nothing can act.
        s.ws.send(JSON.stringify({ id: pick([`r${i}`, '', 42, null, 'x'.repeat(70), 'same']), method: pick(methods), target: pick(junk), assetId: pick([ASSET, 7, null]), limit: pick([0, 1e9, '5']), reason: pick([1, null, '']) }));
      }
    }
    await s.until(() => s.replies.length >= N, 30_000);
    expect(s.replies).toHaveLength(N);
    expect(s.replies.every((r) => r.ok || ['bad_request', 'unauthenticated'].includes(r.error.code))).toBe(true);
    expect(s.replies.filter((r) => r.ok).every((r) => r.id.startsWith('r') || r.id === 'same')).toBe(true);
    expect(await s.ask({ id: 'after', method: 'whoami' })).toMatchObject({ ok: true, value: { userName: 'olga' } });
    expect(c.actuator.trips()).toHaveLength(0);
    expect(c.server.counters()).toMatchObject({ messages: N + 1, replies: N + 1 });
    expect(c.server.counters().badMessages).toBe((kinds.get('binary') ?? 0) + (kinds.get('text') ?? 0));

    // Over the size limit: the socket is closed with 1009 (message too big); the server goes on.
    const big = await open(c.wsUrl, await signIn(c.url));
    big.ws.send(JSON.stringify({ id: 'big', method: 'status', pad: 'x'.repeat(MAX_MESSAGE_BYTES) }));
    expect((await big.closed).code).toBe(1009);
    expect(c.server.counters().oversized).toBe(1);
    expect(await s.ask({ id: 'still', method: 'status' })).toMatchObject({ ok: true });
  }, 60_000);
});
