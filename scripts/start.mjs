// `npm start`: the console on the built-in demo plant. With the Electron binary present (a plain
// `npm install` with internet fetches it) this builds and opens the desktop app. Without it (CI
// installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1) it says so and starts the same engine headless,
// printing the demo plant's live state and serving the console page on 127.0.0.1:$VIGIL_PORT (8787).
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
  const port = process.env.VIGIL_PORT ?? '8787';
  console.log(`Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD?): starting the headless console on the demo plant instead, with its page at http://127.0.0.1:${port}/`);
  execSync('node scripts/ensure-native.mjs node', { stdio: 'inherit' });
  execSync('npx electron-vite build', { stdio: 'ignore' });
  const child = spawn(process.execPath, ['bin/vigil.mjs', 'serve', '--port', port, ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
