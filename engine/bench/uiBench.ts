import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_MACHINES } from '../ingest/demoMachines';
import type { MachineSpec } from '../ingest/simulator';
import { ConsoleHost } from '../service/ConsoleHost';
import { startConsoleServer } from '../service/consoleServer';
import { startDemoConsole } from '../service/demoConsole';
import { percentile, round } from './stats';

type Metrics = Record<string, number>;

/** Machines of the UI phase: the demo plant's seven, repeated under new ids up to `n`. */
function machines(n: number): MachineSpec[] {
  return Array.from({ length: n }, (_, i) => {
    const m = DEMO_MACHINES[i % DEMO_MACHINES.length]!;
    return i < DEMO_MACHINES.length ? m : { ...m, assetId: `${m.assetId}-${Math.floor(i / DEMO_MACHINES.length)}`, name: `${m.name} #${Math.floor(i / DEMO_MACHINES.length) + 1}` };
  });
}

/**
 * The page's globals as the probe leaves them, for the functions Playwright runs in the page: they
 * are sent as source, so they can use nothing from this module but types (the engine compiles
 * without the DOM's types, and the page's CSP forbids evaluating strings).
 */
interface PageGlobals {
  document: { querySelectorAll(s: string): { length: number }; querySelector(s: string): { disabled?: boolean } | null };
  __vigilBench: { frames: number; paints: number[]; clicks: number[] };
}

/** Recorded in the page: when each status push arrived and when the next frame after a DOM change was painted. */
const PAGE_PROBE = `
(() => {
  const w = window;
  w.__vigilBench = { pushes: [], paints: [], clicks: [], frames: 0 };
  const Native = w.WebSocket;
  w.WebSocket = function (url, protocols) {
    const ws = new Native(url, protocols);
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string' || !ev.data.startsWith('{"type":"status"')) return;
      const at = Number((/"atMs":(\\d+(?:\\.\\d+)?)/.exec(ev.data) || [])[1]);
      if (Number.isFinite(at)) w.__vigilBench.pushes.push(at);
    });
    return ws;
  };
  w.WebSocket.prototype = Native.prototype;
  Object.assign(w.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const count = () => { w.__vigilBench.frames++; requestAnimationFrame(count); };
  requestAnimationFrame(count);
  document.addEventListener('click', (e) => {
    const t = e.target;
    if (t && t.closest && t.closest('[data-testid="estop-confirm"]')) w.__vigilBench.clicks.push(Date.now());
  }, true);
  new MutationObserver(() => {
    const pushed = w.__vigilBench.pushes[w.__vigilBench.pushes.length - 1];
    if (pushed === undefined || w.__vigilBench.lastPainted === pushed) return;
    w.__vigilBench.lastPainted = pushed;
    requestAnimationFrame(() => w.__vigilBench.paints.push(Date.now() - pushed));
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();
`;

/**
 * Phase 5: the console in Chromium (web mode), with `assets` live machines. Measures frames per
 * second while status pushes arrive (`ui.fps_32_assets`), engine snapshot to painted pixel
 * (`ui.event_to_pixel_ms.p99`: from the snapshot's engine time to the first animation frame after
 * the page changed), and e-stop click to actuator command (`ui.estop_to_command_ms.p99`: the
 * confirm click's time in the page to the actuator's acceptance in the engine, same machine clock).
 * Skipped, saying why, without Chromium.
 */
export async function uiBench(m: Metrics, log: (l: string) => void, o: { assets?: number; seconds?: number; stops?: number } = {}): Promise<void> {
  const chromiumPath = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    log(`ui phase skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set VIGIL_CHROMIUM)`);
    return;
  }
  const uiDir = resolve('out/renderer');
  if (!existsSync(join(uiDir, 'index.html'))) execSync('npx electron-vite build', { stdio: 'ignore' });
  const { chromium } = await import('playwright-core');
  const n = o.assets ?? 32;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ui-bench-'));
  const c = await startDemoConsole({ dbPath: join(dir, 'ui.sqlite'), machines: machines(n), statusIntervalMs: 500 });
  const host = new ConsoleHost(c);
  const server = await startConsoleServer({ host, status: () => c.engine.status(), uiDir, port: 0 });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    await c.accounts.createFirstAdmin('bench-admin', 'bench admin password');
    await c.accounts.createUser({ userName: 'bench-admin' }, { userName: 'bench-op', role: 'operator', secretKind: 'password', secret: 'bench operator pw' });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.addInitScript(PAGE_PROBE);
    await page.goto(`${server.url}/`);
    await page.getByTestId('signin-user').fill('bench-op');
    await page.getByTestId('signin-secret').fill('bench operator pw');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('estop-bar').waitFor({ timeout: 30_000 });
    await page.waitForFunction((k) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-asset]').length >= k, n, { timeout: 30_000 });

    // Frame rate and event-to-pixel while the plant streams.
    const seconds = o.seconds ?? 10;
    const sample = (): { frames: number; t: number; paints: number[] } => {
      const b = (globalThis as unknown as PageGlobals).__vigilBench;
      const out = { frames: b.frames, t: performance.now(), paints: [...b.paints] };
      b.paints = [];
      return out;
    };
    const before = await page.evaluate(sample);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await page.evaluate(sample);
    const fps = ((after.frames - before.frames) * 1000) / (after.t - before.t);
    m[`ui.fps_${n}_assets`] = round(fps);
    m['ui.event_to_pixel_ms.p50'] = round(percentile(after.paints, 50));
    m['ui.event_to_pixel_ms.p99'] = round(percentile(after.paints, 99));
    log(`ui: ${n} live machines in Chromium, ${fps.toFixed(1)} frames/s over ${seconds} s; snapshot to pixel p50 ${percentile(after.paints, 50).toFixed(1)} ms, p99 ${percentile(after.paints, 99).toFixed(1)} ms (${after.paints.length} updates)`);

    // E-stop: arm, wait out the confirm guard, confirm; the asset stays latched and every stop still goes out.
    const stops = o.stops ?? 30;
    await page.getByTestId('estop-reason').fill('benchmark of the emergency stop');
    const tripsBefore = c.actuator.trips().length;
    for (let k = 0; k < stops; k++) {
      await page.getByTestId('estop-arm').click();
      const confirm = page.getByTestId('estop-confirm');
      await confirm.waitFor();
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="estop-confirm"]')?.disabled === false, undefined, { timeout: 5000 });
      await confirm.click();
      await page.getByTestId('estop-latency').waitFor({ timeout: 5000 });
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="estop-sending"]') === null, undefined, { timeout: 5000 });
    }
    const clicks = await page.evaluate(() => [...(globalThis as unknown as PageGlobals).__vigilBench.clicks]);
    const commanded = c.actuator.trips().slice(tripsBefore).map((t) => t.commandedAtMs);
    const latencies = clicks.slice(0, commanded.length).map((t, i) => commanded[i]! - t);
    m['ui.estop_to_command_ms.p50'] = round(percentile(latencies, 50));
    m['ui.estop_to_command_ms.p99'] = round(percentile(latencies, 99));
    log(`ui: e-stop click to actuator command over ${latencies.length} stops: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
  } finally {
    await browser.close();
    await server.close();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
