import { FanOutActuator, type TripRoute } from '../actuate/FanOutActuator';
import { RecordingActuator, type Actuator, type TripCommand, type TripReceipt } from '../actuate/actuator';
import type { PlantConfig, TripOutput } from '../config/plant/plantConfigSchema';
import type { ConnectionStatus } from '../contract/status';
import { Eventually } from './Eventually';
import { ModbusTripOutput } from './modbus/ModbusTripOutput';
import { opcuaPkiFolder } from './opcua/opcuaPkiFolder';
import { OpcuaTripOutput } from './opcua/OpcuaTripOutput';
import { mqttLoginOf, mqttSourceOf } from './plantMqtt';
import { MqttTripOutput, type TripOutcome } from './mqtt/output/MqttTripOutput';

/** The plant's trip outputs, started: one actuator for the trip output thread, and their state. */
export interface PlantTripOutputs {
  /** Every command goes to each output that trips its asset (`FanOutActuator`). */
  actuator: Actuator;
  /** What was commanded, for the console and tests. */
  recorder: RecordingActuator;
  /** Each output: where it sends and whether it is connected now (the console's status shows them). */
  connections(): ConnectionStatus[];
  /** The same, one line each, for the log. */
  describe(): string[];
  dispose(): Promise<void>;
}

/** Knobs of `startPlantTripOutputs`; the defaults are the plant's. */
export interface PlantTripOutputOptions {
  /** Where outcomes and escalations go (the console's log). */
  log: (line: string) => void;
  clock?: () => number;
  /** Environment holding the passwords the plant file names (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** First delay between attempts to reach an MQTT broker at start (doubled up to 10 s; default 500 ms). */
  retryMs?: number;
  /** The OPC UA client's certificate store (`opcuaPkiFolder`); absent: one under the temporary directory, never the user's home. */
  pkiFolder?: string;
}

/**
 * An MQTT trip output that is still reaching its broker. Trips before then fail at once, with the
 * broker's address in the reason, rather than wait: a trip is never queued for later. Once the
 * broker answers, `MqttTripOutput` keeps the connection (and its own reconnection policy).
 */
class ConnectingMqttOutput implements Actuator {
  readonly #output: Eventually<MqttTripOutput>;

  constructor(readonly name: string, connect: () => Promise<MqttTripOutput>, private readonly url: string, onReady: (o: MqttTripOutput) => void, retryMs: number) {
    this.#output = new Eventually(connect, onReady, retryMs);
  }

  get connected(): boolean {
    return this.#output.current?.connected ?? false;
  }

  /** Why it is not connected yet ('' once it has been). */
  get lastError(): string {
    return this.#output.current ? 'reconnecting' : this.#output.lastError;
  }

  requestTrip(cmd: TripCommand): TripReceipt {
    const output = this.#output.current;
    if (!output) throw new Error(`not yet connected to the MQTT broker at ${this.url} (${this.#output.lastError}); trip of ${cmd.assetId} NOT sent`);
    return output.requestTrip(cmd);
  }

  dispose(): Promise<void> {
    return this.#output.dispose();
  }
}

/** A sentence for each MQTT trip outcome worth a line in the log (every one but the broker's PUBACK). */
function describeMqttOutcome(o: TripOutcome): string | null {
  switch (o.kind) {
    case 'puback':
      return o.noSubscriber ? `trip of ${o.assetId} (${o.commandId}): the broker says no controller subscribes to its trip topic` : null;
    case 'acknowledged':
      return `trip of ${o.assetId} (${o.commandId}) acknowledged by the controller in ${o.latencyMs.toFixed(1)} ms`;
    case 'late':
      return `trip of ${o.assetId} (${o.commandId}) acknowledged LATE, after ${o.latencyMs.toFixed(0)} ms`;
    case 'timeout':
      return o.message;
    case 'unconfirmed':
      return `trip of ${o.assetId} (${o.commandId}) NOT confirmed by the broker: ${o.error}; check the machine`;
  }
}

/**
 * Starts every trip output the plant file lists, in the trip output thread (which owns them, so a
 * trip goes out on the turn it arrives, whatever the engine thread is doing). Outputs connect in
 * the background: the console starts with an unreachable controller, says so, and trips sent
 * meanwhile fail with the reason instead of waiting. Outcomes (acknowledged, verified, timed out,
 * mismatched) are logged as they arrive.
 */
export function startPlantTripOutputs(config: PlantConfig, o: PlantTripOutputOptions): PlantTripOutputs {
  const clock = o.clock ?? Date.now;
  const env = o.env ?? process.env;
  const recorder = new RecordingActuator(clock);
  const routes: TripRoute[] = [];
  const statuses: Array<() => ConnectionStatus> = [];
  const disposers: Array<() => Promise<void> | void> = [];
  const allAssets = (list: readonly string[] | undefined): TripRoute['assets'] => (list ? new Set(list) : 'all');
  for (const out of config.outputs === 'none' ? [] : config.outputs) {
    const built = startOutput(config, out, { ...o, clock, env });
    routes.push({ actuator: built.actuator, assets: allAssets(out.kind === 'mqtt' ? out.assets : Object.keys(out.kind === 'modbus' ? out.coils : out.nodes)) });
    statuses.push(built.status);
    disposers.push(built.dispose);
  }
  const actuator = new FanOutActuator(routes, recorder, (f) => o.log(`trip of ${f.cmd.assetId} went out through ${f.accepted.join(', ')} but NOT through ${f.failed.join('; ')}`));
  return {
    actuator,
    recorder,
    connections: () => statuses.map((s) => s()),
    describe: () => (routes.length === 0 ? ['outputs: none (the plant file says Vigil only monitors: trips are recorded, not sent)'] : statuses.map((s) => s()).map((c) => `${c.id}: ${c.detail}`)),
    async dispose() {
      await Promise.all(disposers.map((d) => d()));
    },
  };
}

/** A Modbus or OPC UA output as the fan-out and the status see it: outcomes logged as they come, counts in its status line. */
function verifiedOutput(
  output: Actuator & { readonly connected: boolean; onOutcome(l: (r: { assetId: string; commandId: string | null; outcome: string; latencyMs: number; detail: string }) => void): unknown; dispose(): Promise<void> | void },
  kind: string,
  log: (line: string) => void,
  counts: () => { counts: string; failures: Record<string, number>; lastError: string | null },
): StartedOutput {
  output.onOutcome((r) => log(`trip output ${output.name}: ${r.assetId}${r.commandId ? ` (${r.commandId})` : ''} ${r.outcome} in ${r.latencyMs.toFixed(1)} ms: ${r.detail}`));
  return {
    actuator: output,
    status: () => {
      const c = counts();
      const failed = Object.values(c.failures).reduce((a, b) => a + b, 0);
      const down = output.connected ? '' : `; not connected${c.lastError ? ` (${c.lastError})` : ''}`;
      return { id: output.name, role: 'trip output', kind, connected: output.connected, detail: `${c.counts}, ${failed} failed${down}` };
    },
    dispose: () => output.dispose(),
  };
}

interface StartedOutput {
  actuator: Actuator;
  status: () => ConnectionStatus;
  dispose: () => Promise<void> | void;
}

function startOutput(config: PlantConfig, out: TripOutput, o: Required<Pick<PlantTripOutputOptions, 'log' | 'clock' | 'env'>> & Pick<PlantTripOutputOptions, 'retryMs' | 'pkiFolder'>): StartedOutput {
  switch (out.kind) {
    case 'mqtt': {
      const source = mqttSourceOf(config, out.source);
      const login = mqttLoginOf(source, o.env);
      const name = `mqtt:${source.id}`;
      const output = new ConnectingMqttOutput(
        name,
        () => MqttTripOutput.connect({ url: source.url, site: config.site, name, ackTimeoutMs: out.ackTimeoutMs, clock: o.clock, login, onEscalation: (e) => o.log(`ESCALATION ${e.message}`) }),
        source.url,
        (connected) => {
          o.log(`trip output: connected to the MQTT broker at ${source.url}`);
          connected.onOutcome((outcome) => {
            const line = describeMqttOutcome(outcome);
            if (line) o.log(`trip output ${connected.name}: ${line}`);
          });
        },
        o.retryMs ?? 500,
      );
      return {
        actuator: output,
        status: () => ({ id: output.name, role: 'trip output', kind: 'mqtt', connected: output.connected, detail: output.connected ? `commands via ${source.id} (${source.url})` : `not connected to ${source.url}: ${output.lastError}` }),
        dispose: () => output.dispose(),
      };
    }
    case 'modbus': {
      const output = new ModbusTripOutput({ host: out.host, port: out.port, unitId: out.unitId, assets: Object.fromEntries(Object.entries(out.coils).map(([a, coil]) => [a, { coil }])), verify: out.verify, clock: o.clock });
      return verifiedOutput(output, 'modbus', o.log, () => {
        const c = output.counters();
        return { counts: `unit ${out.unitId}, ${c.commands} commands, ${c.verified} verified`, failures: c.failures, lastError: c.link.lastError };
      });
    }
    case 'opcua': {
      const output = new OpcuaTripOutput({ ...out, clock: o.clock, log: (l) => o.log(`trip output opcua:${out.endpointUrl}: ${l}`), pkiFolder: o.pkiFolder ?? opcuaPkiFolder(':memory:') });
      return verifiedOutput(output, 'opcua', o.log, () => {
        const c = output.counters();
        return { counts: `${c.commands} commands, ${c.verified} verified, ${c.acknowledged} acknowledged`, failures: c.failures, lastError: null };
      });
    }
  }
}
