import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry module is `name` (no extension) beside the caller, whose
 * `import.meta.url` is `baseUrl`. This is the one place that knows how an entry is found:
 *
 * - In the Electron bundle (the caller is `.js`), the entry is the built `<name>.js` that
 *   electron.vite.config.ts emits as its own input, at the root of the output directory. Code
 *   that rollup moved into a shared chunk (electron-vite puts those in `chunks/`) resolves from
 *   the parent directory, so a new import that shares the caller between two entries cannot
 *   silently point the worker at a file that is not there.
 * - From source (the CLI under tsx, vitest), the entry is `<name>.ts` beside the caller, and
 *   Node 20 applies no `--import` loader to a worker's entry, so a one-line bootstrap registers
 *   tsx first.
 *
 * `options` go to the `Worker` unchanged (`workerData`, `resourceLimits`, ...), except `eval`,
 * which the source form sets itself.
 */
export function startModuleWorker(baseUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!/^[\w-]+$/.test(name)) throw new Error(`worker entry name ${JSON.stringify(name)} must be a bare module name without extension or path`);
  const base = new URL(baseUrl);
  if (!/\.ts$/.test(base.pathname)) {
    const bundleRoot = /\/chunks\/[^/]*$/.test(base.pathname) ? new URL('../', base) : base;
    return new Worker(new URL(`./${name}.js`, bundleRoot), options);
  }
  const tsxApi = pathToFileURL(createRequire(base).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL(`./${name}.ts`, base).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
