import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { ConsoleReplySchema, SignInReplySchema, type ConsoleReply, type SignInReply } from '../../engine/contract';

/** Chromium flags for a quiet, headless, CI-safe browser. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** POST /session or /setup; resolves with the HTTP status and the parsed reply (or the error body). */
export async function postSession(baseUrl: string, path: '/session' | '/setup', userName: string, secret: string): Promise<{ status: number; reply: SignInReply | null; error: string | null }> {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName, secret }) });
  const body = (await res.json()) as { error?: string };
  return { status: res.status, reply: res.ok ? SignInReplySchema.parse(body) : null, error: body.error ?? null };
}

/**
 * A test's own console-protocol client over `ws` (Node 20 has no global WebSocket): requests with
 * fresh ids, every reply parsed with the contract's schema, pushes ignored.
 */
export class WsConsole {
  private readonly waiting = new Map<string, (r: ConsoleReply) => void>();
  /** Replies whose id matched no request (e.g. to a malformed message). */
  readonly unmatched: ConsoleReply[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type?: string };
      if (msg.type !== 'reply') return;
      const reply = ConsoleReplySchema.parse(msg);
      const done = this.waiting.get(reply.id);
      if (done) {
        this.waiting.delete(reply.id);
        done(reply);
      } else this.unmatched.push(reply);
    });
  }

  /** Opens `/ws?token=…`; rejects with the HTTP status of a refused upgrade. */
  static open(baseUrl: string, token: string | null): Promise<WsConsole> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws${token === null ? '' : `?token=${token}`}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new WsConsole(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  /** Sends one request and resolves with its reply (ok or not). */
  request(method: string, params: Record<string, unknown> = {}, id: string = randomUUID()): Promise<ConsoleReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no reply within 15 s`)), 15_000);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.ws.send(JSON.stringify({ ...params, id, method }));
    });
  }

  /** Sends one request and resolves with its value; throws with the host's message when refused. */
  async value(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const r = await this.request(method, params);
    if (!r.ok) throw new Error(`${method} refused: ${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  close(): void {
    this.ws.close();
  }
}

/** A WebSocket upgrade the host refused, with its HTTP status. */
export class UpgradeRefused extends Error {
  constructor(readonly statusCode: number) {
    super(`upgrade refused with HTTP ${statusCode}`);
  }
}

/** One person's browser: its own context (cookies, storage), the page, and the page errors seen. */
export interface Person {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** Opens the console in a fresh context and signs in through the form; resolves once the header shows the role. */
export async function signInInBrowser(browser: Browser, baseUrl: string, userName: string, secret: string, prepare?: (page: Page) => Promise<void>): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await prepare?.(page);
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('signin-form').waitFor({ timeout: 15_000 });
  await page.getByTestId('signin-user').fill(userName);
  await page.getByTestId('signin-secret').fill(secret);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('session-role').waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 });
  return { context, page, errors };
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
