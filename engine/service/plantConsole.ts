import type { AssetConfig } from '../contract/asset';
import type { PlantConfig } from '../config/plant/plantConfigSchema';
import { startPlantSources, type PlantSources, type RunningSource } from '../connect/plantSources';
import { opcuaPkiFolder } from '../connect/opcua/opcuaPkiFolder';
import { startPlantWatchdog, type PlantWatchdog } from '../connect/plantWatchdog';
import { hostname } from 'node:os';
import type { ConnectionStatus } from '../contract/status';
import { EventForwarder } from '../connect/events/EventForwarder';
import type { EventForwarderCounters } from '../connect/events/eventForwarderProtocol';
import { mqttLoginOf, mqttSourceOf } from '../connect/plantMqtt';
import { ProcessValues } from '../connect/ProcessValues';
import { FrameBus } from '../ingest/frameBus';
import { startConsoleCore, type ConsoleOptions, type RunningConsole } from './consoleCore';
import { startPlantScaleout, type PlantScaleout } from './plantScaleout';
import { LeaseGate } from '../actuate/LeaseGate';
import { RecordingActuator } from '../actuate/actuator';
import type { Frame } from '../contract/frame';

export interface PlantConsoleOptions extends ConsoleOptions {
  /** Environment holding the passwords the plant file names (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** This engine's name on the bus (heartbeat, client ids); default host name and process id. */
  engineId?: string;
  /** The trip outputs' connections, as their thread reports them (`PortActuator.outputs`), for the status. */
  outputs?: () => ConnectionStatus[];
}

/** A console running a configured plant. */
export interface PlantConsole extends RunningConsole {
  config: PlantConfig;
  bus: FrameBus;
  /** The latest slow values (speed, temperature, load) from every source. */
  values: ProcessValues;
  sources: PlantSources;
  /** The heartbeat to the controller, when the plant file asks for one. */
  watchdog: PlantWatchdog | null;
  /** Events forwarded to the plant's broker (store-and-forward), when the plant file asks for it. */
  events: EventForwarder | null;
  /** This engine's part of a scale-out group, when the plant file has one. */
  scaleout: PlantScaleout | null;
}

/**
 * The console on a real plant, from its configuration file (`loadPlantConfig`): the same console
 * as the demo (`startConsoleCore`), fed by the file's sources instead of the simulator, and
 * beating the file's watchdog heartbeat from this thread (the engine thread). Trip outputs are
 * not started here: they live in the trip output thread, which the caller reaches through
 * `opts.actuator` (`startPlantTripOutputs` there builds them from the same file). With `events`,
 * the engine's events are forwarded to the plant's broker through an outbox beside the store.
 */
export async function startPlantConsole(config: PlantConfig, assets: AssetConfig[], opts: PlantConsoleOptions = {}): Promise<PlantConsole> {
  const log = (m: string): void => opts.log?.(m);
  const values = new ProcessValues();
  const engineId = opts.engineId ?? `${hostname()}-${process.pid}`;
  // Scale-out: protection trips only for the assets this engine runs (see LeaseGate).
  const gate = config.scaleout ? new LeaseGate(opts.actuator ?? new RecordingActuator(opts.clock ?? Date.now)) : null;
  let notHeldFrames = 0;
  const running = await startConsoleCore(
    {
      assets,
      sourceLabel: `plant ${config.site}`,
      featureThreads: config.engine?.featureThreads ?? 0,
      feed: async (engine, clock) => {
        const bus = new FrameBus((f) => engine.accept(f), { batchSize: 1, onDrop: (f) => engine.ingest.countRejected(f.assetId, f.channelId, 'overflow') });
        // With scale-out, data of an asset another engine runs is dropped here (sources other than MQTT deliver every asset).
        let runs = (_assetId: string): boolean => !config.scaleout;
        const offer = (f: Frame): void => {
          if (runs(f.assetId)) bus.offer(f);
          else notHeldFrames++;
        };
        let sources: PlantSources;
        try {
          sources = startPlantSources(config, { frame: offer, vector: (v) => (runs(v.assetId) ? engine.acceptVector(v) : void notHeldFrames++) }, { values, log, clock, pkiFolder: opcuaPkiFolder(opts.dbPath ?? '.vigil/demo.sqlite'), ...(opts.env ? { env: opts.env } : {}), ...(opts.engineId ? { clientIdPrefix: `vigil-${opts.engineId}` } : {}) });
        } catch (err) {
          bus.dispose();
          throw err;
        }
        let watchdog: PlantWatchdog | null;
        try {
          watchdog = startPlantWatchdog(config, { log, ...(opts.env ? { env: opts.env } : {}), ...(opts.engineId ? { engineId: opts.engineId } : {}) });
        } catch (err) {
          void sources.stop();
          bus.dispose();
          throw err;
        }
        if (watchdog) log(`watchdog: ${watchdog.describe()}`);
        let events: EventForwarder | null = null;
        let scaleout: PlantScaleout | null = null;
        try {
          events = config.events ? await startEvents(config, config.events, opts) : null;
          scaleout = config.scaleout ? await startPlantScaleout(config, config.scaleout, { engine, sources: sources.sources, engineId, log, ...(opts.env ? { env: opts.env } : {}) }) : null;
        } catch (err) {
          await events?.close();
          await watchdog?.dispose();
          await sources.stop();
          bus.dispose();
          throw err;
        }
        if (scaleout) {
          const group = scaleout;
          runs = (assetId) => group.holds(assetId);
          gate?.follow(runs);
          engine.reportHolders((assetId) => group.holderOf(assetId));
        }
        const unsubscribe = events ? engine.on((e) => events.offer(e)) : () => {};
        const eventsState = events ? pollEvents(events, config.events!.source) : null;
        engine.reportConnections(() => [
          ...sources.sources.map(sourceStatus),
          ...(opts.outputs?.() ?? []),
          ...(watchdog ? [{ id: watchdogId(config.watchdog!), role: 'watchdog' as const, kind: config.watchdog!.kind, connected: watchdog.connected(), detail: watchdog.describe() }] : []),
          ...(eventsState ? [eventsState.status()] : []),
          ...(scaleout ? [withDropped(scaleout.status(), notHeldFrames, gate?.refused ?? 0)] : []),
        ]);
        return {
          bus,
          sources,
          watchdog,
          events,
          scaleout,
          async stop() {
            // Leases first, so the other engines take this one's assets at once, not after the lease time.
            await scaleout?.stop();
            unsubscribe();
            eventsState?.stop();
            await events?.close();
            await watchdog?.dispose();
            await sources.stop();
            bus.dispose();
          },
        };
      },
    },
    gate ? { ...opts, actuator: gate } : opts,
  );
  const { feed } = running;
  const group = feed.scaleout;
  if (group) running.actions.setRunsElsewhere((assetId) => {
    const holder = group.holderOf(assetId);
    return holder === engineId ? null : (holder ?? 'none (no engine runs it now)');
  });
  return { ...running, config, bus: feed.bus, values, sources: feed.sources, watchdog: feed.watchdog, events: feed.events, scaleout: feed.scaleout };
}

/** A source's line in the status: what it received and refused, and why it is down. */
function sourceStatus(s: RunningSource): ConnectionStatus {
  const c = s.counters() as Record<string, unknown>;
  const n = (k: string): number => (typeof c[k] === 'number' ? c[k] : 0);
  const refused = (k: string): number => Object.values((c[k] ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  const detail = s.kind === 'modbus' ? `${n('polls')} polls, ${n('values')} values, ${refused('exceptions')} exceptions, ${n('timeouts')} timeouts` : `${n('received')} messages, ${refused('rejected')} refused, ${n('reconnectAttempts')} reconnect attempts`;
  return { id: s.id, role: 'source', kind: s.kind, connected: s.connected(), detail };
}

/** The scale-out line, with what this engine refused for assets it does not run. */
function withDropped(s: ConnectionStatus, frames: number, trips: number): ConnectionStatus {
  return { ...s, detail: `${s.detail}; ${frames} frames of assets run elsewhere dropped${trips > 0 ? `, ${trips} protection trips refused (asset not run here)` : ''}` };
}

/** The watchdog's name in the status: the controller it beats to. */
function watchdogId(w: NonNullable<PlantConfig['watchdog']>): string {
  return w.kind === 'modbus' ? `coil ${w.coil} at ${w.host}:${w.port}` : `via ${w.source}`;
}

/** The forwarder's counters, fetched from its thread once a second (the status is built synchronously). */
function pollEvents(events: EventForwarder, sourceId: string): { status(): ConnectionStatus; stop(): void } {
  let last: EventForwarderCounters | null = null;
  const timer = setInterval(() => void events.counters().then((c) => (last = c)), 1000);
  timer.unref();
  return {
    status: () => ({
      id: `via ${sourceId}`, role: 'events', kind: 'mqtt', connected: last?.connected ?? false,
      detail: last ? `${last.forwarded} forwarded, ${last.queued} waiting${last.dropped > 0 ? `, ${last.dropped} dropped (outbox full)` : ''}` : 'starting',
    }),
    stop: () => clearInterval(timer),
  };
}

/** The outbox file beside the store (`plant.sqlite` → `plant.events.sqlite`); in memory with an in-memory store. */
export function outboxPathOf(dbPath: string): string {
  return dbPath === ':memory:' ? ':memory:' : `${dbPath.replace(/\.sqlite$/, '')}.events.sqlite`;
}

function startEvents(config: PlantConfig, events: NonNullable<PlantConfig['events']>, opts: PlantConsoleOptions): Promise<EventForwarder> {
  const source = mqttSourceOf(config, events.source);
  const engineId = opts.engineId ?? `${hostname()}-${process.pid}`;
  const login = mqttLoginOf(source, opts.env ?? process.env);
  return EventForwarder.start({
    url: source.url, site: config.site, engineId, outboxPath: outboxPathOf(opts.dbPath ?? '.vigil/demo.sqlite'), maxQueued: events.maxQueued, login,
    ...(opts.log ? { log: opts.log } : {}), ...(opts.clock ? { clock: opts.clock } : {}),
  });
}
