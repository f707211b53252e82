import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { SignInReplySchema, TripReceiptSchema } from '../contract/console';
import { PlantStatusSchema, type PlantStatus } from '../contract/status';
import { startServe } from '../service/serveProcess';
import { percentile, round } from './stats';
import { startWakeProbe } from './wakeProbe';

type Metrics = Record<string, number>;

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
 * confirm click's time in the page to the actuator's acceptance in the engine thread, read from
 * the trip reply's receipt; same machine clock). The console is a `vigil serve --machines N` child
 * process, as a user runs it. Figures are taken once every machine is scoring; the
 * e-stop is also measured while they commission (`ui.estop_to_command_ms.p99_commissioning`).
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
  // `vigil serve` itself, in its own process: nothing of this one (Playwright's driver) shares its threads.
  const server = await startServe(['--db', join(dir, 'ui.sqlite'), '--machines', String(n)], 60_000);
  const status = async (): Promise<PlantStatus> => PlantStatusSchema.parse(await (await fetch(`${server.url}/status`)).json());
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const setup = await fetch(`${server.url}/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userName: 'bench-admin', secret: 'bench admin password' }) });
    if (!setup.ok) throw new Error(`bench: first-run setup refused: ${await setup.text()}`);
    const admin = SignInReplySchema.parse(await setup.json());
    await createOperator(server.url, admin.token);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    // The actuator's acceptance time of each stop, from the trip replies the page receives (engine clock = this machine's clock).
    const commanded: Array<{ atMs: number; hostMs: number }> = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string' || !payload.startsWith('{"type":"reply"')) return;
        const value: unknown = (JSON.parse(payload) as { value?: unknown }).value;
        const receipts = TripReceiptSchema.array().safeParse(value);
        if (!receipts.success || receipts.data.length === 0) return;
        // The first command out, and when the request reached the console's host thread (the receipt's latency counts from there).
        const first = receipts.data.reduce((a, b) => (b.commandedAtMs < a.commandedAtMs ? b : a));
        commanded.push({ atMs: first.commandedAtMs, hostMs: first.commandedAtMs - first.latencyUs / 1000 });
      }),
    );
    await page.addInitScript(PAGE_PROBE);
    await page.goto(`${server.url}/`);
    await page.getByTestId('signin-user').fill('bench-op');
    await page.getByTestId('signin-secret').fill('bench operator pw');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('estop-bar').waitFor({ timeout: 30_000 });
    await page.waitForFunction((k) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-asset]').length >= k, n, { timeout: 30_000 });

    // E-stop: arm, wait out the confirm guard, confirm; the asset stays latched and every stop still goes out.
    await page.getByTestId('estop-reason').fill('benchmark of the emergency stop');
    /** Click to command per stop, and its two parts: click to the host thread, host thread to the command. */
    const estops = async (count: number): Promise<{ total: number[]; toHost: number[]; hostToCommand: number[] }> => {
      const clicksBefore = await page.evaluate(() => (globalThis as unknown as PageGlobals).__vigilBench.clicks.length);
      const commandedBefore = commanded.length;
      for (let k = 0; k < count; k++) {
        await page.getByTestId('estop-arm').click();
        const confirm = page.getByTestId('estop-confirm');
        await confirm.waitFor();
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="estop-confirm"]')?.disabled === false, undefined, { timeout: 5000 });
        await confirm.click();
        await page.getByTestId('estop-latency').waitFor({ timeout: 5000 });
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="estop-sending"]') === null, undefined, { timeout: 5000 });
      }
      const clicks = (await page.evaluate(() => [...(globalThis as unknown as PageGlobals).__vigilBench.clicks])).slice(clicksBefore);
      const acks = commanded.slice(commandedBefore);
      const paired = clicks.slice(0, acks.length).map((t, i) => ({ click: t, ...acks[i]! }));
      return { total: paired.map((p) => p.atMs - p.click), toHost: paired.map((p) => p.hostMs - p.click), hostToCommand: paired.map((p) => p.atMs - p.hostMs) };
    };
    const describe = (l: { total: number[]; toHost: number[]; hostToCommand: number[] }): string =>
      `p50 ${percentile(l.total, 50).toFixed(1)} ms, p99 ${percentile(l.total, 99).toFixed(1)} ms over ${l.total.length} stops ` +
      `(click to host thread p99 ${percentile(l.toHost, 99).toFixed(1)} ms, host thread to command p99 ${percentile(l.hostToCommand, 99).toFixed(1)} ms; ` +
      `slowest: ${l.total.map((t, i) => ({ t, i })).sort((a, b) => b.t - a.t).slice(0, 3).map(({ t, i }) => `${t.toFixed(0)} = ${l.toHost[i]!.toFixed(1)} + ${l.hostToCommand[i]!.toFixed(1)}`).join(', ')} ms)`;

    // While the machines commission (each model's fit, build and ONNX session land on the engine thread once).
    const commissioning = (await status()).assets.filter((a) => a.phase !== 'monitoring').length;
    if (commissioning > 0) {
      const during = await estops(10);
      m['ui.estop_to_command_ms.p99_commissioning'] = round(percentile(during.total, 99));
      log(`ui: e-stop click to actuator command while ${commissioning} of ${n} machines commission: ${describe(during)}`);
    }
    const monitoringBy = Date.now() + 300_000;
    while (Date.now() < monitoringBy && (await status()).assets.some((a) => a.phase !== 'monitoring')) await new Promise((r) => setTimeout(r, 1000));
    const monitoring = (await status()).assets.filter((a) => a.phase === 'monitoring').length;

    // Frame rate and event-to-pixel while the plant streams, every machine scored.
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
    log(`ui: ${n} live machines (${monitoring} scoring) in Chromium, ${fps.toFixed(1)} frames/s over ${seconds} s; snapshot to pixel p50 ${percentile(after.paints, 50).toFixed(1)} ms, p99 ${percentile(after.paints, 99).toFixed(1)} ms (${after.paints.length} updates)`);

    // 100 stops: the 99th percentile of fewer is only their maximum. Meanwhile, how late this machine wakes an idle thread.
    const probe = startWakeProbe();
    const latencies = await estops(o.stops ?? 100);
    const wakeMs = await probe.stop();
    m['ui.machine_wakeup_ms.p99'] = round(percentile(wakeMs, 99));
    m['ui.machine_wakeup_ms.max'] = round(Math.max(...wakeMs));
    m['ui.estop_to_command_ms.p50'] = round(percentile(latencies.total, 50));
    m['ui.estop_to_command_ms.p99'] = round(percentile(latencies.total, 99));
    m['ui.estop_click_to_host_ms.p99'] = round(percentile(latencies.toHost, 99));
    m['ui.estop_host_to_command_ms.p99'] = round(percentile(latencies.hostToCommand, 99));
    log(`ui: e-stop click to actuator command, ${monitoring} of ${n} machines scoring: ${describe(latencies)}`);
    log(`ui: meanwhile this machine woke an idle thread after p50 ${percentile(wakeMs, 50).toFixed(2)} ms, p99 ${percentile(wakeMs, 99).toFixed(1)} ms, max ${Math.max(...wakeMs).toFixed(1)} ms (${wakeMs.length} probes; the floor under each of the e-stop's two thread hops)`);
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates the benchmark's operator over the console protocol, as an admin would. */
async function createOperator(baseUrl: string, adminToken: string): Promise<void> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${adminToken}`);
  try {
    const reply = await new Promise<unknown>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type?: string; id?: string };
        if (m.type === 'reply' && m.id === 'bench-op') resolve(m);
      });
      ws.once('open', () => ws.send(JSON.stringify({ id: 'bench-op', method: 'users.create', userName: 'bench-op', role: 'operator', secretKind: 'password', secret: 'bench operator pw' })));
    });
    if (!(reply as { ok?: boolean }).ok) throw new Error(`bench: operator not created: ${JSON.stringify(reply)}`);
  } finally {
    ws.close();
  }
}
