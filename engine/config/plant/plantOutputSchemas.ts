import { z } from 'zod';
import { hostName, natsUrl, modbusAddress, modbusUnitId, opcuaEndpointUrl, opcuaNodeId, opcuaSecurityMode, positiveMs, tcpPort, topicLevelId } from './plantFields';
import { describeValue } from './plantMessages';
import { MODBUS_DEFAULT_PORT } from './plantSourceSchemas';

/**
 * Where trip commands leave Vigil, and the watchdog that tells the controller Vigil is alive. The
 * rule that every asset has a trip output (or the file says `outputs: none`) and the checks that
 * outputs name known assets and sources live in plantCrossChecks.ts.
 */

/** A map from asset id to a per-asset address (a coil, a node id), with at least one entry. */
function perAsset<T extends z.ZodType>(value: T, what: string) {
  return z.record(z.string(), value).refine((m) => Object.keys(m).length > 0, { error: `expected at least one asset: ${what}` });
}

/**
 * Trip commands on `vigil/v1/<site>/<asset>/cmd/trip` through an MQTT source, acknowledged on
 * `.../ack/trip`. QoS 1 only: a trip must arrive at least once (QoS 0 may be lost), and the command
 * id makes a repeat harmless, so QoS 2's extra round trip would only add latency.
 */
export const MqttTripOutputSchema = z.strictObject({
  kind: z.literal('mqtt'),
  /** Id of an `mqtt` source: its connection carries the commands. */
  source: z.string().min(1),
  /** How long to wait for the controller's acknowledgement before the trip is reported unconfirmed. */
  ackTimeoutMs: positiveMs,
  qos: z.literal(1, { error: (iss) => `expected 1: trip commands go at least once (QoS 1) and are deduplicated by command id, got ${describeValue(iss.input)}` }).default(1),
  /** Assets this output trips; absent: every asset of the plant. */
  assets: z.array(topicLevelId).min(1).optional(),
});

/**
 * Trip coils written over Modbus TCP, one per asset. With `verify` (the default) the coil is read
 * back after the write, so a controller that accepted the frame but not the value is caught.
 */
export const ModbusTripOutputSchema = z.strictObject({
  kind: z.literal('modbus'),
  host: hostName,
  port: tcpPort.default(MODBUS_DEFAULT_PORT),
  unitId: modbusUnitId.default(1),
  /** Asset id → coil address. */
  coils: perAsset(modbusAddress, 'map each asset id to its trip coil'),
  verify: z.boolean().default(true),
});

/** Trip variables written over OPC UA, one per asset. */
export const OpcuaTripOutputSchema = z.strictObject({
  kind: z.literal('opcua'),
  endpointUrl: opcuaEndpointUrl,
  securityMode: opcuaSecurityMode.default('None'),
  /** Asset id → node id of its trip variable. */
  nodes: perAsset(opcuaNodeId, 'map each asset id to the node id of its trip variable'),
});

/** Any trip output, by `kind`. */
export const TripOutputSchema = z.discriminatedUnion('kind', [MqttTripOutputSchema, ModbusTripOutputSchema, OpcuaTripOutputSchema]);

/**
 * The plant's trip outputs: a non-empty list, or the word `none` for a plant Vigil only monitors.
 * Why a word and not an empty list or a missing key: a plant without trip outputs leaves every
 * machine unprotected by Vigil, and that must be a decision someone wrote down, not an omission.
 */
export const OutputsSchema = z.union(
  [z.literal('none'), z.array(TripOutputSchema).min(1, { error: 'expected at least one trip output: list them, or write none for a plant Vigil only monitors' })],
  {
    error: (iss) =>
      iss.input === undefined
        ? 'missing required field: list the trip outputs, or write none for a plant Vigil only monitors'
        : `expected a list of trip outputs, or none for a plant Vigil only monitors, got ${describeValue(iss.input)}`,
  },
);

/** A heartbeat coil toggled every `periodMs`: the controller trips or alarms when it stops toggling. */
export const ModbusWatchdogSchema = z.strictObject({
  kind: z.literal('modbus'),
  host: hostName,
  port: tcpPort.default(MODBUS_DEFAULT_PORT),
  unitId: modbusUnitId.default(1),
  coil: modbusAddress,
  periodMs: positiveMs,
});

/** A heartbeat published through an MQTT source every `periodMs`. */
export const MqttWatchdogSchema = z.strictObject({
  kind: z.literal('mqtt'),
  /** Id of an `mqtt` source. */
  source: z.string().min(1),
  periodMs: positiveMs,
});

/** The watchdog, by `kind`. */
export const WatchdogSchema = z.discriminatedUnion('kind', [ModbusWatchdogSchema, MqttWatchdogSchema]);

/**
 * Where Vigil's events go: `vigil/v1/<site>/<asset>/event/<type>` on an MQTT source's broker, QoS 1.
 * While the broker is away they wait in an outbox file beside the store (at most `maxQueued`, the
 * oldest deleted first beyond that) and follow in order once it is back.
 */
export const EventsSchema = z.strictObject({
  /** Id of an `mqtt` source. */
  source: z.string().min(1),
  maxQueued: z.number().int().positive().default(100_000),
});

/**
 * Several engines sharing the plant: each asset is run by exactly one engine at a time, on a lease
 * held in a NATS JetStream key-value bucket (the NATS servers must store to disk). When an engine
 * dies its assets move to the others within about `leaseMs` + a third of it. Each engine is named
 * on its command line (`vigil serve --engine-id`).
 */
export const ScaleoutSchema = z.strictObject({
  nats: z.array(natsUrl).min(1),
  /** How long a lease lasts without renewal: the failover time, and how long an engine cut off from NATS keeps scoring. */
  leaseMs: z.number().int().min(500).max(60_000).default(3000),
});

/** A trip output, defaults filled. */
export type TripOutput = z.output<typeof TripOutputSchema>;
/** The watchdog, defaults filled. */
export type Watchdog = z.output<typeof WatchdogSchema>;
