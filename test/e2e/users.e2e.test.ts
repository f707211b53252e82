import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserListSchema } from '../../engine/contract';
import { startServe, type ServeProcess } from '../../engine/service/serveProcess';
import { CHROMIUM_ARGS, WsConsole, postSession, signInInBrowser, type Person } from './storySupport';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SKIP = haveChromium ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)`;

const ADA = { userName: 'ada', secret: 'correct horse battery staple' };
const OLGA = { userName: 'olga', secret: '582917' };

/**
 * The admin's Users page in Chromium against `vigil serve`: the page is in the nav for an admin
 * only; she creates an account through the form and grants an operator remote operator with a
 * reason; the list shows it and the audit trail has it with before, after and why.
 * The renderer is built into a temporary directory of its own (not out/), so this file does not
 * race other builds of the repository.
 */
describe(`the Users page in a browser against \`vigil serve\`${SKIP}`, () => {
  let serve: ServeProcess;
  let browser: Browser | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-users-e2e-'));
  const uiDir = join(dir, 'renderer');

  beforeAll(async () => {
    await build({ root: resolve('renderer'), plugins: [react()], logLevel: 'error', build: { outDir: uiDir, emptyOutDir: true } });
    serve = await startServe(['--db', join(dir, 'users.sqlite'), '--seed', '3', '--ui', uiDir]);
    if (haveChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    const code = await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it.skipIf(!haveChromium)(`an admin creates an account and grants an operator remote operator, with a reason; an operator has no Users page${SKIP}`, async () => {
    const setup = await postSession(serve.url, '/setup', ADA.userName, ADA.secret);
    expect(setup.status).toBe(200);
    const ws = await WsConsole.open(serve.url, setup.reply!.token);
    const people: Person[] = [];
    try {
      await ws.value('users.create', { userName: OLGA.userName, role: 'operator', secretKind: 'pin', secret: OLGA.secret });

      const olga = await signInInBrowser(browser!, serve.url, OLGA.userName, OLGA.secret);
      people.push(olga);
      expect(await olga.page.getByTestId('nav-users').count()).toBe(0);

      const ada = await signInInBrowser(browser!, serve.url, ADA.userName, ADA.secret);
      people.push(ada);
      const { page } = ada;
      await page.getByTestId('nav-users').click();
      const olgaRow = page.locator('[data-testid="user-row"][data-user="olga"]');
      await olgaRow.waitFor({ timeout: 10_000 });
      expect(await olgaRow.getAttribute('data-remote')).toBe('viewer');

      // A new account through the form.
      await page.getByTestId('user-create-name').fill('otto');
      await page.getByTestId('user-create-role').selectOption('engineer');
      await page.getByTestId('user-create-secret').fill('otto tunes the fans');
      await page.getByTestId('user-create-again').fill('otto tunes the fans');
      await page.getByTestId('user-create-submit').click();
      await page.getByTestId('user-create-message').filter({ hasText: 'otto created as engineer' }).waitFor({ timeout: 10_000 });
      await page.locator('[data-testid="user-row"][data-user="otto"][data-role="engineer"]').waitFor({ timeout: 10_000 });

      // The remote grant: an operator can be granted up to operator, not more.
      await olgaRow.getByTestId('user-grant-open').click();
      const form = page.getByTestId('user-grant-form');
      expect(await form.getByTestId('user-grant-value').locator('option').allTextContents()).toEqual(['viewer', 'operator']);
      await form.getByTestId('user-grant-value').selectOption('operator');
      expect(await form.getByTestId('user-grant-submit').isDisabled()).toBe(true); // no reason yet
      await form.getByTestId('user-grant-reason').fill('gatehouse e-stop for the night shift');
      await form.getByTestId('user-grant-submit').click();
      await page.locator('[data-testid="user-row"][data-user="olga"][data-remote="operator"]').waitFor({ timeout: 10_000 });
      await page.getByTestId('user-message').filter({ hasText: 'remote grant of olga is now operator' }).waitFor();

      const users = UserListSchema.parse(await ws.value('users.list'));
      expect(users.map((u) => [u.userName, u.role, u.remoteMaxRole, u.lastSignInMs !== null])).toEqual([
        ['ada', 'admin', 'viewer', true],
        ['olga', 'operator', 'operator', true],
        ['otto', 'engineer', 'viewer', false],
      ]);
      const audit = (await ws.value('audit.list', { limit: 20 })) as Array<Record<string, unknown>>;
      expect(audit.find((r) => r.action === 'user.remote.grant')).toMatchObject({
        actor: 'ada',
        role: 'admin',
        target: 'olga',
        before: { remoteMaxRole: 'viewer' },
        after: { remoteMaxRole: 'operator' },
        reason: 'gatehouse e-stop for the night shift',
        outcome: 'done',
      });
      for (const p of people) expect(p.errors).toEqual([]);
    } finally {
      ws.close();
      for (const p of people) await p.context.close();
    }
  }, 120_000);
});
