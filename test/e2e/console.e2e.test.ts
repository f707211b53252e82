import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlantStatusSchema } from '../../engine/contract';
import { pumpAssetYaml } from '../support/pumpAssetYaml';
import { CHROMIUM_ARGS } from './storySupport';
import { startServe, type ServeProcess } from '../../engine/service/serveProcess';
import { MOSQUITTO, startMosquitto, type LocalPeer } from '../../engine/connect/localPeer';
import { modbusControllerUnavailable, startModbusController, type ModbusControllerPeer } from '../../engine/connect/modbus/modbusController';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

describe('the headless console on the demo plant (what `npm start` runs without the Electron binary)', () => {
  let serve: ServeProcess;
  let browser: Browser | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));

  beforeAll(async () => {
    execSync('npx electron-vite build', { stdio: 'pipe' });
    serve = await startServe(['--db', join(dir, 'demo.sqlite'), '--seed', '4']);
    if (haveChromium) {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    const code = await serve?.stop();
    expect(code).toBe(0);
  });

  it('serves a valid plant status: seven machines commissioning, then monitoring, nothing rejected', async () => {
    let status = PlantStatusSchema.parse(await (await fetch(`${serve.url}/status`)).json());
    expect(status.assets.map((a) => a.assetId)).toEqual(['pump-101', 'pump-102', 'fan-201', 'comp-301', 'gbx-401', 'mot-501', 'mot-502']);
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && (status.assets.filter((a) => a.phase === 'monitoring').length < 5 || status.windowsScored === 0)) {
      await new Promise((r) => setTimeout(r, 1000));
      status = PlantStatusSchema.parse(await (await fetch(`${serve.url}/status`)).json());
    }
    expect(status.assets.filter((a) => a.phase === 'monitoring').length).toBeGreaterThanOrEqual(5);
    expect(status.windowsScored).toBeGreaterThan(0);
    expect(Object.values(status.rejected).every((n) => n === 0)).toBe(true);
    expect(status.assets.every((a) => a.quality === 'good')).toBe(true);
  }, 60_000);

  it.skipIf(!haveChromium)(`shows the fleet page in a browser${haveChromium ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)`}`, async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}/`);
    await page.getByRole('heading', { name: /Vigil — demo plant/ }).waitFor({ timeout: 15_000 });
    await expect.poll(async () => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(7);
    await expect.poll(async () => page.locator('tr[data-asset="pump-101"] td').nth(1).textContent(), { timeout: 30_000 }).toBe('monitoring');
    const score = await page.locator('tr[data-asset="pump-101"] td').nth(4).textContent();
    expect(Number(score)).toBeGreaterThan(0);
    // The model column says the model keeps learning and how many versions it has had.
    await expect.poll(async () => page.locator('tr[data-asset="pump-101"] [data-learning]').textContent(), { timeout: 10_000 }).toMatch(/^learning · \d+ versions/);
    // The score sparkline (a canvas) fills with the pushed scores and says what it shows.
    const spark = page.locator('tr[data-asset="pump-101"] [data-testid="fleet-sparkline"]');
    await expect.poll(async () => Number(await spark.getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(await spark.getAttribute('aria-label')).toMatch(/^Cooling water pump P-101: score over the last \d+ updates, latest \d+\.\d\d, highest \d+\.\d\d; alarm boundary 1\.00$/);
    // The test compiles without the DOM's types: the canvas as far as this check uses it.
    interface InkedCanvas {
      width: number;
      height: number;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
    }
    const inked = await spark.evaluate((element) => {
      const c = element as unknown as InkedCanvas;
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    await page.screenshot({ path: join(dir, 'fleet.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});

const plantPeersMissing = !MOSQUITTO ? 'mosquitto is not installed' : modbusControllerUnavailable();

describe.skipIf(plantPeersMissing !== null)(`the headless console on a plant file (vigil serve --plant)${plantPeersMissing ? ` — SKIPPED: ${plantPeersMissing}` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-plant-'));
  let serve: ServeProcess;
  let broker: LocalPeer;
  let plc: ModbusControllerPeer;
  let browser: Browser | null = null;

  beforeAll(async () => {
    // The renderer was built by the suite above (same file, run in order).
    if (!existsSync('out/renderer/index.html')) execSync('npx electron-vite build', { stdio: 'pipe' });
    broker = await startMosquitto();
    plc = await startModbusController({ assets: 1, watchdogMs: 60_000, presets: { 2000: 2970 } });
    const file = join(dir, 'plant.yaml');
    writeFileSync(file, `site: e2e-works
sources:
  - { id: broker, kind: mqtt, url: 'mqtt://127.0.0.1:${broker.port}' }
  - id: plc
    kind: modbus
    host: 127.0.0.1
    port: ${plc.port}
    pollMs: 100
    registers:
      - { address: 2000, type: input, format: uint16, scale: 0.01, assetId: pump-1, channelId: speed, unit: Hz }
assets:
${pumpAssetYaml({ id: 'pump-1', name: 'Cooling pump', source: 'broker', onDelayWindows: 2, commissioningWindows: null })}outputs:
  - { kind: mqtt, source: broker, ackTimeoutMs: 500 }
  - { kind: modbus, host: 127.0.0.1, port: ${plc.port}, coils: { pump-1: 0 } }
watchdog: { kind: modbus, host: 127.0.0.1, port: ${plc.port}, coil: 1000, periodMs: 200 }
events: { source: broker }
`);
    serve = await startServe(['--plant', file, '--db', join(dir, 'plant.sqlite')]);
    if (haveChromium) {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    const code = await serve?.stop();
    await plc?.stop();
    await broker?.stop();
    expect(code).toBe(0);
  });

  it('reports every link of the plant in its status, all up', async () => {
    const connected = async (): Promise<string[]> => {
      const s = PlantStatusSchema.parse(await (await fetch(`${serve.url}/status`)).json());
      return (s.connections ?? []).filter((c) => c.connected).map((c) => `${c.role} ${c.id}`);
    };
    await expect.poll(connected, { timeout: 15_000 }).toEqual(['source broker', 'source plc', 'trip output mqtt:broker', `trip output modbus:127.0.0.1:${plc.port}`, `watchdog coil 1000 at 127.0.0.1:${plc.port}`, 'events via broker']);
    const s = PlantStatusSchema.parse(await (await fetch(`${serve.url}/status`)).json());
    expect(s.source).toBe('plant e2e-works');
    expect(s.assets.map((a) => [a.assetId, a.quality])).toEqual([['pump-1', 'stale']]); // no gateway publishes its waveform
  }, 30_000);

  it.skipIf(!haveChromium)(`shows the plant's connections on the fleet page, and the PLC as down once it goes away${haveChromium ? '' : ` — SKIPPED: no Chromium at ${CHROMIUM}`}`, async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${serve.url}/`);
    await page.getByRole('heading', { name: 'Vigil — plant e2e-works' }).waitFor({ timeout: 15_000 });
    const strip = page.getByTestId('connections');
    await expect.poll(async () => strip.locator('p').textContent(), { timeout: 15_000 }).toBe('All 6 plant connections up');

    await plc.stop();
    await expect.poll(async () => page.locator('li[data-connection="plc"]').getAttribute('data-connected'), { timeout: 15_000 }).toBe('false');
    expect(await strip.locator('p').textContent()).toMatch(/^[1-9] of 6 plant connections down$/);
    // Down links come first, in red, and say DOWN.
    expect(await strip.locator('li').first().textContent()).toMatch(/^○ DOWN /);
    await page.screenshot({ path: join(dir, 'plant-connections.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
