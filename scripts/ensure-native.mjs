// better-sqlite3 is a native addon: built for Node it will not load in Electron and vice versa.
// `node scripts/ensure-native.mjs node` (before tests) and `… electron` (before `npm start`)
// rebuild it for the runtime about to use it, and only when the last build was for the other one.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const target = process.argv[2] ?? 'node';
const marker = new URL('../node_modules/.vigil-native-target', import.meta.url);
const last = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';

function loadsUnderNode() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch (err) {
    console.warn(`better-sqlite3 does not load under Node ${process.version}: ${err.message.split('\n')[0]}`);
    return false;
  }
}

if (target === 'node') {
  if (!loadsUnderNode()) {
    console.log('Rebuilding better-sqlite3 for Node…');
    execSync('npm rebuild better-sqlite3', { stdio: 'inherit' });
    if (!loadsUnderNode()) process.exit(1);
  }
  writeFileSync(marker, 'node\n');
} else if (target === 'electron') {
  const electronVersion = require('electron/package.json').version;
  const want = `electron-${electronVersion}`;
  if (last !== want) {
    console.log(`Rebuilding native modules for Electron ${electronVersion}…`);
    execSync('npx electron-builder install-app-deps', { stdio: 'inherit' });
    writeFileSync(marker, `${want}\n`);
  }
} else {
  console.error(`usage: ensure-native.mjs node|electron (got ${target})`);
  process.exit(2);
}
