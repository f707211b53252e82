import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

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

describe(`the desktop app${binary ? '' : ' — SKIPPED: the Electron binary is not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD=1); the same page is tested in Chromium by console.e2e'}`, () => {
  it.skipIf(!binary)('opens the fleet page with the demo plant through the preload bridge', async () => {
    execSync('node scripts/ensure-native.mjs electron && npx electron-vite build', { stdio: 'pipe' });
    const app = await electron.launch({ executablePath: binary!, args: ['.'] });
    try {
      const win = await app.firstWindow();
      expect(await win.title()).toBe('Vigil');
      await expect.poll(async () => win.locator('tbody tr').count(), { timeout: 30_000 }).toBe(7);
      expect(await win.evaluate('typeof window.require')).toBe('undefined');
    } finally {
      await app.close();
      execSync('node scripts/ensure-native.mjs node', { stdio: 'pipe' });
    }
  }, 180_000);
});
