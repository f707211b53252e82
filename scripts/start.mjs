// `npm start`: the console on the built-in demo plant. With the Electron binary present (a plain
// `npm install` with internet fetches it) this builds and opens the desktop app. Without it (CI
// installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1) it says so and starts the same engine headless,
// serving the demo plant and printing its live state, so the plant is never silently absent.
import { execSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' ? path : null;
  } catch {
    return null;
  }
}

const extra = process.argv.slice(2);
const binary = electronBinary();
if (binary) {
  execSync('node scripts/ensure-native.mjs electron', { stdio: 'inherit' });
  execSync('npx electron-vite build', { stdio: 'inherit' });
  const child = spawn(binary, ['.', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD?): starting the headless console on the demo plant instead.');
  execSync('node scripts/ensure-native.mjs node', { stdio: 'inherit' });
  const child = spawn(process.execPath, ['bin/vigil.mjs', 'serve', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
