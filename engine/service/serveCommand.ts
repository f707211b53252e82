import { createServer, type Server } from 'node:http';
import type { PlantStatus } from '../contract/status';
import { startDemoConsole } from './demoConsole';

export interface ServeOptions {
  port?: number;
  db?: string;
  seed?: number;
  /** Stop after this many seconds (default: run until interrupted). */
  durationS?: number;
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
    server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(latest ?? console0.engine.status()));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try GET /status\n');
      }
    });
    await new Promise<void>((resolve) => server!.listen(o.port, '127.0.0.1', resolve));
    const addr = server.address();
    console.log(`status at http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : o.port}/status`);
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
