import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlantStatusSchema } from '../../engine/contract';
import { startServe, type ServeProcess } from '../../engine/service/serveProcess';
import { CHROMIUM_ARGS, postSession, signInInBrowser, waitFor, type Person } from './storySupport';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const SKIP = haveChromium ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const ADMIN = { userName: 'ada', secret: 'correct horse battery staple' };

/**
 * How much of a chart's width its trace covers: the share of pixel columns of the plot area
 * (inside the axes, below the marker labels; from `fromFraction` of its width on) holding a dark
 * pixel (every channel below 170: the traces, not the frame, the grid or the coloured level lines).
 * Axes, labels and level lines alone cover almost none; a drawn spectrum or waveform covers
 * nearly all, a trend its most recent part (the right end is now).
 */
function coverageOf(page: Page, testId: string, fromFraction = 0): Promise<number> {
  // A string, not a function: this file compiles without the DOM library.
  return page.evaluate<number>(`(() => {
    const c = document.querySelector('[data-testid="${testId}"] canvas');
    if (!c) return -1;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const x1 = c.width - 12, x0 = Math.round(54 + ${fromFraction} * (x1 - 54)), y0 = 73, y1 = c.height - 20;
    let covered = 0;
    for (let x = x0; x < x1; x++) {
      for (let y = y0; y < y1; y++) {
        const i = (y * c.width + x) * 4;
        if (d[i] < 170 && d[i + 1] < 170 && d[i + 2] < 170) { covered++; break; }
      }
    }
    return covered / (x1 - x0);
  })()`);
}

const attr = async (page: Page, testId: string, name: string): Promise<string | null> => page.getByTestId(testId).getAttribute(name);

describe(`the asset page in a browser against \`vigil serve\`${SKIP}`, () => {
  let serve: ServeProcess;
  let browser: Browser | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-stories-'));

  beforeAll(async () => {
    execSync('npx electron-vite build', { stdio: 'pipe' });
    serve = await startServe(['--db', join(dir, 'asset-page.sqlite'), '--seed', '5']);
    console.log(`asset page: screenshot and store under ${dir}`);
    if (haveChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    const code = await serve?.stop();
    expect(code).toBe(0);
  });

  it.skipIf(!haveChromium)('an engineer opens pump-101 from the fleet with the keyboard; the waveform, spectra and trends draw and follow the machine at ≥ 8 frames per second; pausing shows STALE', async () => {
    expect((await postSession(serve.url, '/setup', ADMIN.userName, ADMIN.secret)).status).toBe(200);
    // The model must be commissioned for the score, its trend and its drivers (about 10 s of windows and a fit).
    await waitFor('pump-101 monitoring', async () => {
      const s = PlantStatusSchema.parse(await (await fetch(`${serve.url}/status`)).json());
      return s.assets.find((a) => a.assetId === 'pump-101')?.phase === 'monitoring' ? true : undefined;
    }, 90_000);
    const ada: Person = await signInInBrowser(browser!, serve.url, ADMIN.userName, ADMIN.secret);
    const { page } = ada;
    await page.locator('tr[data-asset="pump-101"]').waitFor({ timeout: 15_000 });

    // Keyboard only: Tab until the pump-101 row has the focus, then Enter.
    let presses = 0;
    while ((await page.evaluate<string | null>('document.activeElement && document.activeElement.getAttribute("data-asset")')) !== 'pump-101') {
      expect(++presses, 'the pump-101 row is not reachable with Tab').toBeLessThan(80);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    const asset = page.getByTestId('asset-page');
    await asset.waitFor({ timeout: 10_000 });
    expect(await asset.getAttribute('data-asset')).toBe('pump-101');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.id')).toBe('asset-title');
    expect(await page.getByTestId('nav-asset').getAttribute('aria-current')).toBe('page');

    // Every chart draws once frames arrive.
    await page.getByTestId('asset-envelope').waitFor({ timeout: 15_000 });
    const coverage: Record<string, number> = {};
    // Trends span at least a minute, of which the last 10 % (6 s) are surely scored.
    for (const [id, from] of [['asset-waveform', 0], ['asset-spectrum', 0], ['asset-envelope', 0], ['asset-score-trend', 0.9], ['asset-velocity-trend', 0.9]] as const) {
      await expect.poll(async () => (coverage[id] = await coverageOf(page, id, from)), { timeout: 10_000, message: `${id} draws its trace` }).toBeGreaterThanOrEqual(0.8);
    }
    console.log(`asset page: trace coverage ${Object.entries(coverage).map(([k, v]) => `${k} ${(v * 100).toFixed(0)} %`).join(', ')}`);
    expect(Number(await attr(page, 'asset-waveform', 'data-points'))).toBeLessThanOrEqual(2000);
    expect(Number(await attr(page, 'asset-spectrum', 'data-points'))).toBeLessThanOrEqual(2000);
    expect(await page.getByTestId('asset-level').getAttribute('data-level')).toBe('normal');
    await expect.poll(() => page.getByTestId('asset-drivers').locator('tr[data-feature]').count(), { timeout: 10_000 }).toBe(6);

    // The rate: frames applied over 3 s, and the charts redrawn with newer windows meanwhile.
    await expect.poll(async () => Number(await asset.getAttribute('data-updates')), { timeout: 10_000 }).toBeGreaterThan(5);
    const u0 = Number(await asset.getAttribute('data-updates'));
    const drawn0 = Number(await attr(page, 'asset-waveform', 'data-drawn'));
    const t0 = Date.now();
    await page.waitForTimeout(3000);
    const u1 = Number(await asset.getAttribute('data-updates'));
    const elapsedS = (Date.now() - t0) / 1000;
    const drawn1 = Number(await attr(page, 'asset-waveform', 'data-drawn'));
    const rate = (u1 - u0) / elapsedS;
    console.log(`asset page: ${u1 - u0} live frames in ${elapsedS.toFixed(2)} s = ${rate.toFixed(1)} per second (last reply ${await asset.getAttribute('data-latency-ms')} ms); the waveform drawn advanced by ${((drawn1 - drawn0) / 1000).toFixed(2)} s of plant time`);
    expect(rate).toBeGreaterThanOrEqual(8);
    expect(drawn1 - drawn0).toBeGreaterThan(2000);
    const staleText = (await page.getByTestId('asset-stale').count()) > 0 ? await page.getByTestId('asset-stale').textContent() : '';
    expect(await asset.getAttribute('data-stale'), staleText ?? '').toBe('false');
    await page.screenshot({ path: join(dir, 'asset-page.png'), fullPage: true });

    // Pause with the keyboard: frames stop, and after 3 s the page says STALE instead of passing an old frame for live.
    await page.getByTestId('asset-pause').focus();
    await page.keyboard.press('Space');
    expect(await page.getByTestId('asset-pause').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('asset-stale').waitFor({ timeout: 8_000 });
    expect(await page.getByTestId('asset-stale').textContent()).toMatch(/STALE .*no live frame for \d+ s/);
    await page.screenshot({ path: join(dir, 'asset-page-stale.png'), fullPage: true });
    await page.keyboard.press('Space');
    await expect.poll(() => asset.getAttribute('data-stale'), { timeout: 5_000 }).toBe('false');

    // Another machine from the picker, with the keyboard.
    await page.getByTestId('asset-select').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => asset.getAttribute('data-asset'), { timeout: 5_000 }).toBe('pump-102');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 10_000 }).toMatch(/\(pump-102\)/);
    expect(ada.errors).toEqual([]);
    await ada.context.close();
  }, 180_000);
});
