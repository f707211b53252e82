import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlantStatus } from '../contract/status';
import { startDemoConsole } from './demoConsole';
import { staticFiles } from './staticFiles';

/** Where `npm run build` puts the renderer. */
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export interface ServeOptions {
  port?: number;
  db?: string;
  seed?: number;
  /** Stop after this many seconds (default: run until interrupted). */
  durationS?: number;
  /** Built renderer to serve at / (default out/renderer). */
  uiDir?: string;
}

/** One line per machine: what an operator would glance at. */
export function formatStatus(s: PlantStatus): string {
  const rows = s.assets.map((a) => {
    const phase = a.phase === 'commissioning' ? `commissioning ${(a.commissioningProgress * 100).toFixed(0)}%` : 'monitoring';
    const score = a.score === null ? '   -  ' : a.score.toFixed(2).padStart(6);
    const vel = a.velocityRmsMmS === null ? '  -  ' : a.velocityRmsMmS.toFixed(2).padStart(5);
    return `  ${a.assetId.padEnd(9)} ${phase.padEnd(18)} ${a.quality.padEnd(5)} ${a.level.padEnd(6)}${a.latched ? '*' : ' '} score ${score}  v ${vel} mm/s  ${a.diagnosis ?? ''}${a.trips ? `  trips ${a.trips}` : ''}`;
  });
  const rejected = Object.values(s.rejected).reduce((x, y) => x + y, 0);
  return `${new Date(s.atMs).toISOString()} ${s.source}: ${s.windowsScored} windows scored, ${rejected} frames rejected, ${s.dropped} dropped\n${rows.join('\n')}`;
}

/**
 * `vigil serve`: the headless console on the demo plant. Prints the plant's state every 5 s and,
 * with --port, serves `GET /status` as JSON (the same snapshot the Electron renderer receives).
 */
export async function serveCommand(o: ServeOptions): Promise<number> {
  let latest: PlantStatus | null = null;
  let printed = 0;
  const console0 = await startDemoConsole({
    dbPath: o.db,
    seed: o.seed,
    log: (line) => console.log(line),
    onStatus: (s) => {
      latest = s;
      if (Date.now() - printed >= 5000) {
        printed = Date.now();
        console.log(formatStatus(s));
      }
    },
  });
  console.log(`Vigil demo plant running: ${console0.plant.assets().length} machines, store ${o.db ?? '.vigil/demo.sqlite'}. Ctrl-C to stop.`);
  let server: Server | null = null;
  if (o.port !== undefined) {
    const uiDir = resolve(o.uiDir ?? DEFAULT_UI_DIR);
    const ui = existsSync(uiDir) ? staticFiles(uiDir) : null;
    if (!ui) console.log(`no built console page at ${uiDir} (npm run build): serving /status only`);
    server = createServer((req, res) => {
      void (async () => {
        if (req.method === 'GET' && req.url === '/status') {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(latest ?? console0.engine.status()));
        } else if (!(await ui?.(req, res))) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found: GET / for the console page, GET /status for JSON\n');
        }
      })().catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`error: ${(err as Error).message}\n`);
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(o.port, '127.0.0.1', resolve);
      });
    } catch (err) {
      await console0.stop();
      throw new Error(`cannot serve on 127.0.0.1:${o.port}: ${(err as Error).message}`);
    }
    const addr = server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : o.port}`;
    console.log(`console at ${url}/ , status at ${url}/status`);
  }
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (o.durationS !== undefined) setTimeout(done, o.durationS * 1000);
  });
  server?.close();
  await console0.stop();
  const final = console0.engine.status();
  console.log(formatStatus(final));
  return 0;
}
