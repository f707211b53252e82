import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelsListSchema } from '../../engine/contract';
import { startServe, type ServeProcess } from '../../engine/service/serveProcess';
import { CHROMIUM_ARGS, WsConsole, postSession, signInInBrowser, waitFor, type Person } from './storySupport';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SKIP = haveChromium ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const ADMIN = { userName: 'ada', secret: 'correct horse battery staple' };
const OLGA = { userName: 'olga', secret: '582917' };
const ERIN = { userName: 'erin', secret: 'erin reads spectra daily' };
const ASSET = 'pump-101';

/**
 * The Models page in Chromium against `vigil serve` on the demo plant: once pump-101 is
 * commissioned, an engineer sees production beside the shadow and the stored versions, promotes
 * and rolls back with the keyboard; an operator sees the same page read-only. The renderer is built
 * into this test's own folder (not the shared out/), where the screenshots go too.
 */
describe(`the Models page in a browser${SKIP}`, () => {
  let serve: ServeProcess;
  let browser: Browser | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-models-e2e-'));
  const shot = (p: Person, name: string): Promise<Buffer> => p.page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    if (!haveChromium) return;
    execSync(`npx electron-vite build --outDir ${JSON.stringify(join(dir, 'out'))}`, { stdio: 'pipe' });
    serve = await startServe(['--db', join(dir, 'models.sqlite'), '--seed', '4', '--ui', join(dir, 'out', 'renderer')]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    console.log(`models e2e: screenshots under ${dir}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) expect(await serve.stop()).toBe(0);
  });

  it.skipIf(!haveChromium)('an engineer sees production beside the shadow and the versions, promotes and rolls back by keyboard; an operator reads only', async () => {
    const setup = await postSession(serve.url, '/setup', ADMIN.userName, ADMIN.secret);
    const admin = await WsConsole.open(serve.url, setup.reply!.token);
    try {
      for (const [u, role, secretKind] of [[OLGA, 'operator', 'pin'], [ERIN, 'engineer', 'password']] as const) {
        expect((await admin.request('users.create', { userName: u.userName, role, secretKind, secret: u.secret })).ok).toBe(true);
      }
      // Commissioned, and the shadow has learned since: then a promotion has something to validate.
      await waitFor('pump-101 commissioned with a learning shadow', async () => {
        const list = ModelsListSchema.parse(await admin.value('models.list', { assetId: ASSET }));
        const channels = list.assets[0]!.channels;
        return channels.length > 0 && channels.every((c) => c.production && c.shadow?.differsFromProduction) ? true : undefined;
      }, 90_000);
    } finally {
      admin.close();
    }

    const erin = await signInInBrowser(browser!, serve.url, ERIN.userName, ERIN.secret);
    const { page } = erin;
    const focused = (): Promise<string | null> => page.locator(':focus').getAttribute('data-testid');
    await page.getByTestId('nav-models').click();
    await page.getByTestId('models-asset').selectOption(ASSET);
    const channel = page.getByTestId('models-channel').first();
    await channel.getByTestId('model-version').first().waitFor({ timeout: 15_000 });
    const production = await channel.locator('[data-testid="figure-version"] [data-testid="figure-production"]').textContent();
    expect(production).toMatch(/^m-[0-9a-f]{12}$/);
    // The learner thread may still be fitting other machines: the page says so, and shows the shadow on a later poll.
    await expect.poll(() => channel.locator('[data-testid="figure-version"] [data-testid="figure-shadow"]').textContent(), { timeout: 60_000, interval: 1000 }).toMatch(/^m-[0-9a-f]{12}$/);
    expect(await channel.locator('[data-testid="figure-precision"] td').allTextContents()).toEqual(['int8', 'int8']);
    expect(await channel.locator(`[data-testid="model-version"][data-version="${production}"]`).getAttribute('data-in-production')).toBe('true');
    await shot(erin, '1-models-engineer');

    // Promote by keyboard: a reason, Enter; each channel's validated outcome is shown.
    await page.getByTestId('promote-reason').fill('shadow learned the afternoon load');
    await page.getByTestId('promote-reason').press('Enter');
    const outcome = page.getByTestId('promote-outcome');
    await outcome.waitFor({ timeout: 30_000 });
    expect(await outcome.locator('li').first().textContent()).toMatch(/^\S+: (promoted m-[0-9a-f]{12}|not promoted — .+) \((passed|refused): held-out max \d+\.\d{3} over \d+ windows; no confirmed faults stored.*\)$/);
    await expect.poll(() => channel.getByTestId('model-version').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await shot(erin, '2-models-promoted');

    // Roll back to a version not in production: reason, Enter, then Enter on the focused confirm.
    const target = channel.locator('[data-testid="model-version"][data-in-production="false"]').first();
    const targetVersion = (await target.getAttribute('data-version'))!;
    await target.getByTestId('version-rollback').click();
    await expect.poll(() => focused()).toBe('rollback-reason');
    await page.keyboard.type('afternoon model alarms on start-up');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused()).toBe('rollback-confirm');
    expect(await page.getByTestId('rollback-confirm-text').textContent()).toContain(`${targetVersion} will score ${ASSET}/`);
    await shot(erin, '3-models-rollback-confirm');
    await page.keyboard.press('Enter');
    await page.getByTestId('rollback-done').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('rollback-done').textContent()).toMatch(new RegExp(`^${ASSET}/\\S+: ${targetVersion} is in production again \\(was m-[0-9a-f]{12}\\)\\.$`));
    // The host answers once the registry holds the rollback, so the page's reload already shows who and why (no 10-s poll needed).
    await expect.poll(() => channel.locator('[data-testid="figure-state"] [data-testid="figure-production"]').textContent(), { timeout: 5000 }).toMatch(/^rollback .+ by erin — “afternoon model alarms on start-up”/);
    expect(await channel.locator(`[data-testid="model-version"][data-version="${targetVersion}"]`).getAttribute('data-in-production')).toBe('true');
    await shot(erin, '4-models-rolled-back');
    expect(erin.errors).toEqual([]);

    const olga = await signInInBrowser(browser!, serve.url, OLGA.userName, OLGA.secret);
    await olga.page.getByTestId('nav-models').click();
    await olga.page.getByTestId('models-channel').first().getByTestId('model-version').first().waitFor({ timeout: 15_000 });
    expect(await olga.page.getByTestId('models-readonly').textContent()).toBe('Read only: promoting or rolling back a model needs the engineer role (you are operator).');
    expect(await olga.page.getByTestId('promote-submit').isDisabled()).toBe(true);
    expect(await olga.page.getByTestId('promote-why').textContent()).toBe('needs the engineer role (you are operator)');
    const rollbackButtons = await olga.page.getByTestId('version-rollback').all();
    expect(rollbackButtons.length).toBeGreaterThanOrEqual(2);
    for (const b of rollbackButtons) expect(await b.isDisabled()).toBe(true);
    await shot(olga, '5-models-operator-read-only');
    expect(olga.errors).toEqual([]);
    await erin.context.close();
    await olga.context.close();
  }, 240_000);
});
