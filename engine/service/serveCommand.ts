import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlantStatus } from '../contract/status';
import { startConsoleServer, type ConsoleServer } from './consoleServer';
import { EngineRestartPolicy } from './engineRestartPolicy';
import { formatPlantConfigErrors, loadPlantConfig } from '../config/plant/loadPlantConfig';
import { EngineThread, type ConsolePort, type EngineNote, type EngineThreadOptions } from './EngineThread';

/** Where `npm run build` puts the renderer. */
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export interface ServeOptions {
  port?: number;
  db?: string;
  seed?: number;
  /** Machines of the demo plant (default the seven; copies of them under new names beyond). */
  machines?: number;
  /** Stop after this many seconds (default: run until interrupted). */
  durationS?: number;
  /** Built renderer to serve at / (default out/renderer). */
  uiDir?: string;
  /**
   * Address to listen on (default 127.0.0.1, this machine only). Sessions signed in from any other
   * address act with at most their account's remote grant: viewer unless an admin grants more,
   * never admin (`REMOTE_GRANT_CEILING`).
   */
  host?: string;
  /** The plant's data through MQTT: 'embedded' for Vigil's own broker, or a broker URL (MQTT 5). */
  mqtt?: string;
  /** A plant configuration file (`vigil check-plant` checks it): its sources, assets, trip outputs and watchdog instead of the demo plant. */
  plant?: string;
  /** This engine's name in the plant's scale-out group, heartbeat and events (default host name and process id). */
  engineId?: string;
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
  const down = (s.connections ?? []).filter((c) => !c.connected).map((c) => `  DOWN ${c.role} ${c.id} (${c.kind}): ${c.detail}`);
  return `${new Date(s.atMs).toISOString()} ${s.source}: ${s.windowsScored} windows scored, ${rejected} frames rejected, ${s.dropped} dropped\n${[...down, ...rows].join('\n')}`;
}

/**
 * `vigil serve`: the headless console on the demo plant, or with `--plant FILE` on the plant that file describes. The engine runs in a thread of its own
 * (`EngineThread`); this thread prints the plant's state every 5 s and, with --port, serves the
 * console: `GET /status` as JSON (the same snapshot the Electron renderer receives), sign-in and
 * the console protocol over WebSocket (see `startConsoleServer`), and the built renderer at /.
 * An engine thread that dies is started again (`EngineRestartPolicy`); its sessions end with it.
 */
export async function serveCommand(o: ServeOptions): Promise<number> {
  let plant: EngineThreadOptions['plant'];
  if (o.plant !== undefined) {
    const r = await loadPlantConfig(o.plant);
    if (!r.ok) {
      console.error(formatPlantConfigErrors(o.plant, r.errors));
      console.error(`${r.errors.length} problem${r.errors.length === 1 ? '' : 's'} in ${o.plant}: not started`);
      return 1;
    }
    plant = { config: r.config, assets: r.assets, ...(o.engineId ? { engineId: o.engineId } : {}) };
  }
  let printed = 0;
  const log = (line: string): void => console.log(line);
  const restarts = new EngineRestartPolicy();
  /** The console server's status subscription, kept across engine restarts. */
  const statusListeners = new Set<() => void>();
  const start = async (): Promise<EngineThread> => {
    const t = await EngineThread.start({ dbPath: o.db ?? (plant ? `.vigil/${plant.config.site}.sqlite` : undefined), seed: o.seed, ...(o.machines === undefined ? {} : { machineCount: o.machines }), ...(o.mqtt === undefined ? {} : { mqtt: o.mqtt === 'embedded' ? {} : { url: o.mqtt } }), ...(plant ? { plant } : {}), log });
    restarts.started(Date.now());
    t.onStatus((s) => {
      for (const l of statusListeners) l();
      if (Date.now() - printed >= 5000) {
        printed = Date.now();
        console.log(formatStatus(s));
      }
    });
    t.onExit((reason) => {
      const next = restarts.died(Date.now(), reason);
      const detail = next.state === 'running' ? reason : next.detail;
      note = { state: next.state === 'restarting' ? 'restarting' : 'not-answering', detail };
      console.log(detail);
      if (next.state !== 'restarting') return;
      setTimeout(() => {
        start().then(
          (fresh) => {
            engine = fresh;
            note = null;
          },
          (err: unknown) => console.log(`the engine did not restart: ${err instanceof Error ? err.message : String(err)}`),
        );
      }, next.inMs);
    });
    return t;
  };
  let engine = await start();
  /** Set while the thread is dead or restarting; otherwise the thread's own note. */
  let note: EngineNote | null = null;
  const port: ConsolePort = {
    signIn: (input, origin) => engine.signIn(input, origin),
    setup: (input, origin) => engine.setup(input, origin),
    needsSetup: () => engine.needsSetup(),
    signOut: (token) => engine.signOut(token),
    sessions: (tokens) => engine.sessions(tokens),
    handle: (token, raw) => engine.handle(token, raw),
  };
  console.log(`${plant ? `Vigil plant ${plant.config.site} (${o.plant})` : 'Vigil demo plant'} running in the engine thread, store ${o.db ?? (plant ? `.vigil/${plant.config.site}.sqlite` : '.vigil/demo.sqlite')}. Ctrl-C to stop.`);
  let server: ConsoleServer | null = null;
  if (o.port !== undefined) {
    const uiDir = resolve(o.uiDir ?? DEFAULT_UI_DIR);
    if (!existsSync(uiDir)) console.log(`no built console page at ${uiDir} (npm run build): serving /status only`);
    const listenHost = o.host ?? '127.0.0.1';
    try {
      server = await startConsoleServer({ host: port, status: () => engine.status(), engineNote: () => note ?? engine.note(),
        statusEvents: (l) => {
          statusListeners.add(l);
          return () => statusListeners.delete(l);
        },
        uiDir, listenHost, port: o.port });
    } catch (err) {
      await engine.stop();
      throw new Error(`cannot serve on ${listenHost}:${o.port}: ${(err as Error).message}`);
    }
    console.log(`console at ${server.url}/ , status at ${server.url}/status`);
    console.log(`sign in with POST ${server.url}/session, then the console protocol at ws${server.url.slice(4)}/ws?token=…`);
    if (!['127.0.0.1', 'localhost', '::1'].includes(listenHost)) console.log(`listening on ${listenHost}: sessions from other machines are viewers unless an admin grants their account more (up to engineer, on the Users page)`);
    if (await engine.needsSetup()) console.log(`no admin yet: first-run setup with POST ${server.url}/setup from this machine`);
  }
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (o.durationS !== undefined) setTimeout(done, o.durationS * 1000);
  });
  await server?.close();
  const final = engine.status();
  await engine.stop();
  if (final) console.log(formatStatus(final));
  return 0;
}
