import type { MachineSpec } from '../ingest/simulator';
import { DemoPlant } from '../ingest/demoPlant';
import type { FrameBus } from '../ingest/frameBus';
import { startConsoleCore, type ConsoleOptions, type RunningConsole } from './consoleCore';
import { feedPlant, feedPlantMqtt, feedPlantThread, type MqttPlantFeed, type PlantFeed } from './plantFeed';

export interface DemoConsoleOptions extends ConsoleOptions {
  /** The machines of the plant (default: the seven demo machines); benchmarks run more. */
  machines?: MachineSpec[];
  /**
   * Run the plant's data through an MQTT broker: `{}` for Vigil's embedded broker, `{ url }` for
   * another (see feedPlantMqtt). Absent: the plant thread hands frames to the engine directly.
   */
  mqtt?: { url?: string; protocolVersion?: 4 | 5; site?: string };
}

/** A running console on the demo plant; `stop()` halts the plant, settles the engine and closes the store. */
export interface DemoConsole extends RunningConsole {
  plant: DemoPlant;
  bus: FrameBus;
  /** The MQTT path, when the plant runs through a broker (`mqtt` option): its source's counters and the broker. */
  mqtt: Pick<MqttPlantFeed, 'source' | 'url' | 'embedded'> | null;
}

/**
 * The embedded default: the simulated demo plant driven in real time through the frame bus into
 * the engine, with incidents stored in SQLite. The Electron worker and `vigil serve` both start
 * exactly this, so the app and the headless console cannot differ. A configured plant runs the
 * same console (`startPlantConsole`) with its sources in place of the simulator.
 */
export async function startDemoConsole(opts: DemoConsoleOptions = {}): Promise<DemoConsole> {
  const startMs = (opts.clock ?? Date.now)();
  const plantOptions = { seed: opts.seed ?? 1, startMs, ...(opts.machines ? { machines: opts.machines } : {}) };
  const plant = new DemoPlant(plantOptions);
  const log = (m: string): void => opts.log?.(m);
  const running = await startConsoleCore(
    {
      assets: plant.assets(),
      sourceLabel: opts.mqtt ? `demo plant (simulated) via MQTT${opts.mqtt.url ? ` at ${opts.mqtt.url}` : ' (embedded broker)'}` : 'demo plant (simulated)',
      // On the wall clock the simulated plant runs in its own thread (as real sensors are outside
      // the engine's); a test's own clock drives it here, in step.
      feed: async (engine, clock): Promise<PlantFeed & { mqtt: MqttPlantFeed | null }> => {
        if (opts.clock) return { ...feedPlant(engine, plant, clock), mqtt: null };
        if (!opts.mqtt) return { ...feedPlantThread(engine, plantOptions, log), mqtt: null };
        const viaMqtt = await feedPlantMqtt(engine, plantOptions, { ...opts.mqtt, log });
        return { bus: viaMqtt.bus, stop: () => viaMqtt.stop(), mqtt: viaMqtt };
      },
    },
    opts,
  );
  const viaMqtt = running.feed.mqtt;
  return { ...running, plant, bus: running.feed.bus, mqtt: viaMqtt && { source: viaMqtt.source, url: viaMqtt.url, embedded: viaMqtt.embedded } };
}
