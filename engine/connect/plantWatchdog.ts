import { hostname } from 'node:os';
import type { PlantConfig } from '../config/plant/plantConfigSchema';
import { Eventually } from './Eventually';
import { ModbusHeartbeat } from './modbus/ModbusHeartbeat';
import { MqttHeartbeat } from './mqtt/output/MqttHeartbeat';
import { mqttLoginOf, mqttSourceOf } from './plantMqtt';

/** The plant's heartbeat to its controller, running. */
export interface PlantWatchdog {
  /** Where it beats, and whether the controller is hearing it now. */
  describe(): string;
  /** Heartbeats the controller acknowledged (Modbus) or the broker took (MQTT). */
  beats(): number;
  /** Whether the heartbeat reaches the controller (Modbus) or the broker (MQTT) now. */
  connected(): boolean;
  dispose(): Promise<void>;
}

/**
 * Starts the plant file's watchdog heartbeat on the calling thread, which must be the thread that
 * runs protection (the engine thread): the heartbeat is the controller's evidence that protection
 * is running, so it must stop when that thread stalls or dies, and nothing else may keep it alive.
 * A controller that cannot be reached at start is tried again in the background; meanwhile the
 * controller's own watchdog does what the plant decided it should.
 */
export function startPlantWatchdog(config: PlantConfig, o: { log: (line: string) => void; env?: Readonly<Record<string, string | undefined>>; engineId?: string }): PlantWatchdog | null {
  const w = config.watchdog;
  if (!w) return null;
  if (w.kind === 'modbus') {
    const hb = new ModbusHeartbeat({ host: w.host, port: w.port, unitId: w.unitId, coil: w.coil, periodMs: w.periodMs, name: `watchdog:${w.host}:${w.port}` });
    return {
      describe: () => {
        const c = hb.counters();
        return `modbus coil ${w.coil} at ${w.host}:${w.port} every ${w.periodMs} ms: ${c.toggles} toggles acknowledged, ${c.skipped} skipped, ${c.failures} failed${c.lastError ? ` (last: ${c.lastError})` : ''}`;
      },
      beats: () => hb.counters().toggles,
      connected: () => {
        const l = hb.counters().link;
        return l.connects > l.disconnects;
      },
      dispose: async () => hb.dispose(),
    };
  }
  const source = mqttSourceOf(config, w.source);
  const engineId = o.engineId ?? `${hostname()}-${process.pid}`;
  const login = mqttLoginOf(source, o.env ?? process.env);
  const hb = new Eventually(
    () => MqttHeartbeat.start({ url: source.url, site: config.site, engineId, periodMs: w.periodMs, login }),
    () => o.log(`watchdog: heartbeat of engine ${engineId} on ${source.url} every ${w.periodMs} ms`),
    500,
  );
  return {
    describe: () => (hb.current ? `mqtt heartbeat of ${engineId} via ${source.id}: ${hb.current.counters().sent} sent` : `mqtt heartbeat via ${source.id}: not connected (${hb.lastError})`),
    beats: () => hb.current?.counters().sent ?? 0,
    connected: () => hb.current?.connected ?? false,
    dispose: () => hb.dispose(),
  };
}
