import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from './storySupport';

const require = createRequire(import.meta.url);

/** The Electron binary's path, or null where it was not downloaded (CI installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1). */
function electronBinary(): string | null {
  try {
    const p: unknown = require('electron');
    return typeof p === 'string' ? p : null;
  } catch {
    return null;
  }
}
const binary = electronBinary();
/** The seed and deadlines of the browser operator story (stories.e2e.test.ts): pump-101 alerts, then trips. */
const SEED = 69;
const ALERT_BY_MS = 280_000;
const TRIP_BY_MS = 340_000;

describe(`the desktop app${binary ? '' : ' — SKIPPED: the Electron binary is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD=1); the same pages and protocol are tested in Chromium (stories.e2e, console.e2e) and the IPC bridge under Node (test/main/consoleBridge)'}`, () => {
  it.skipIf(!binary)(
    'operator story through the preload bridge: first-run setup, the alarm acknowledged with a note, the trip, and the incident timeline with its snapshot',
    async () => {
      execSync('node scripts/ensure-native.mjs electron && npx electron-vite build', { stdio: 'pipe' });
      const dir = mkdtempSync(join(tmpdir(), 'vigil-electron-'));
      const startedMs = Date.now();
      const app = await electron.launch({ executablePath: binary!, args: ['.'], env: { ...process.env, VIGIL_DB: join(dir, 'desktop.sqlite'), VIGIL_SEED: String(SEED) } });
      try {
        const win = await app.firstWindow();
        const errors: string[] = [];
        win.on('pageerror', (e) => errors.push(e.message));
        expect(await win.title()).toBe('Vigil');
        // Locked down: no Node, no ipcRenderer, only the typed bridge.
        expect(await win.evaluate('typeof window.require + "/" + typeof window.vigil.console.send + "/" + typeof window.ipcRenderer')).toBe('undefined/function/undefined');
        await win.getByTestId('setup-form').waitFor({ timeout: 30_000 });
        await win.getByTestId('signin-user').fill('ada');
        await win.getByTestId('signin-secret').fill('correct horse battery staple');
        await win.getByTestId('setup-confirm').fill('correct horse battery staple');
        await win.getByTestId('signin-submit').click();
        await win.locator('[data-testid="connection"][data-state="open"]').waitFor({ timeout: 15_000 });
        expect(await win.getByTestId('session-role').textContent()).toBe('admin');

        await win.getByTestId('nav-alarms').click();
        const alarm = win.locator('[data-testid="alarm-row"][data-asset="pump-101"][data-alarm="level.alert"]');
        await alarm.waitFor({ timeout: Math.max(10_000, startedMs + ALERT_BY_MS - Date.now()) });
        await waitFor('the pump-101 alert to hold for 5 s', async () => {
          const since = await alarm.getAttribute('data-since-ms', { timeout: 1000 }).catch(() => null);
          const state = await alarm.getAttribute('data-state', { timeout: 1000 }).catch(() => null);
          return state === 'active-unacknowledged' && since !== null && Date.now() - Number(since) > 5000 ? true : undefined;
        }, 60_000, 500);
        await alarm.getByTestId('alarm-ack-open').click();
        await win.getByTestId('alarm-ack-note').fill('outer-race noise rising on pump-101; maintenance called');
        await win.getByTestId('alarm-ack-submit').click();

        await win.locator('[data-testid="alarm-row"][data-asset="pump-101"][data-alarm="level.danger"]').waitFor({ timeout: Math.max(10_000, startedMs + TRIP_BY_MS - Date.now()) });
        await win.getByTestId('nav-incidents').click();
        const row = win.locator('[data-testid="incident-row"][data-asset="pump-101"]').first();
        await row.waitFor({ timeout: 15_000 });
        await row.getByTestId('incident-open').click();
        const entries = await waitFor('the trip and its snapshot in the timeline', async () => {
          await win.getByTestId('timeline-refresh').click();
          await win.getByTestId('timeline-entry').first().waitFor({ timeout: 10_000 });
          const k = await win.getByTestId('timeline-entry').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kind')}|${e.textContent ?? ''}`));
          return k.some((e) => e.startsWith('trip_commanded')) && k.some((e) => e.startsWith('waveform_snapshot')) ? k : undefined;
        }, 60_000, 2000);
        const at = (p: (e: string) => boolean): number => entries.findIndex(p);
        expect(at((e) => e.startsWith('level_changed') && /normal → alert/.test(e))).toBeGreaterThanOrEqual(0);
        expect(at((e) => e.startsWith('trip_commanded'))).toBeGreaterThan(at((e) => e.startsWith('level_changed') && /→ danger/.test(e)));
        expect(entries.some((e) => e.startsWith('alarm_state') && e.includes('acknowledged by ada'))).toBe(true);
        await win.screenshot({ path: join(dir, 'desktop-incident.png'), fullPage: true });
        console.log(`desktop operator story: screenshots and store in ${dir}`);
        expect(errors).toEqual([]);
      } finally {
        await app.close();
        execSync('node scripts/ensure-native.mjs node', { stdio: 'pipe' });
        if (!process.env['VIGIL_KEEP_ARTEFACTS']) rmSync(join(dir, 'desktop.sqlite'), { force: true });
      }
    },
    TRIP_BY_MS + 180_000,
  );
});
