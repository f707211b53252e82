import { z } from 'zod';
import { envVarName, hostName, modbusAddress, modbusUnitId, mqttUrl, opcuaEndpointUrl, opcuaNodeId, opcuaSecurityMode, positiveMs, tcpPort, topicLevelId } from './plantFields';
import { describeValue } from './plantMessages';

/**
 * Where a plant's measurements come from. Each source has an id that channels, outputs and the
 * watchdog name, and a `kind` that says which protocol and which fields follow. Rules between
 * sources and assets (ids unique, references resolve) live in plantCrossChecks.ts, so they are
 * reported together with the field errors.
 */

/**
 * How long a channel may stay silent before its data is stale, in ms (3 s: a few missed publish
 * periods of a typical edge device, well inside a machine's protection delays).
 */
export const DEFAULT_STALE_AFTER_MS = 3000;

/** The Modbus TCP port. */
export const MODBUS_DEFAULT_PORT = 502;

const mqttLogin = {
  /** Client id; absent: one is generated (a fixed id lets the broker keep a persistent session). */
  clientId: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  /** Name of the environment variable holding the password. */
  passwordEnv: envVarName.optional(),
};

/** An MQTT broker carrying Vigil's topic scheme (engine/connect/mqtt/topics.ts). */
export const MqttSourceSchema = z.strictObject({
  id: topicLevelId,
  kind: z.literal('mqtt'),
  url: mqttUrl,
  /** 5 by default: shared subscriptions, correlation data and response topics (trip acks) need it. */
  protocolVersion: z.union([z.literal(4), z.literal(5)], { error: (iss) => `expected 4 (MQTT 3.1.1) or 5, got ${describeValue(iss.input)}` }).default(5),
  ...mqttLogin,
  /** MQTT 5 shared subscription group: engines of one group split the site's data between them. */
  sharedGroup: topicLevelId.optional(),
  staleAfterMs: positiveMs.default(DEFAULT_STALE_AFTER_MS),
});

const sparkplugMetricBase = {
  edgeNode: topicLevelId,
  /** The device publishing the metric (DBIRTH/DDATA); absent for a metric of the edge node itself. */
  device: topicLevelId.optional(),
  /** The metric's name as its birth certificate gives it, e.g. `Vibration/DE/Accel`. */
  metric: z.string().min(1),
  assetId: topicLevelId,
  channelId: topicLevelId,
};

/** A numeric Sparkplug metric holding a slow value (speed, temperature, load). */
export const SparkplugValueMetricSchema = z.strictObject({ ...sparkplugMetricBase, kind: z.literal('value') });

/** A Sparkplug metric holding a waveform block (Bytes or FloatArray of float32), sampled at `sampleRateHz`. */
export const SparkplugWaveformMetricSchema = z.strictObject({ ...sparkplugMetricBase, kind: z.literal('waveform'), sampleRateHz: z.number().positive() });

/** A Sparkplug B group on an MQTT broker: edge nodes publish birth/data/death certificates. */
export const SparkplugSourceSchema = z.strictObject({
  id: topicLevelId,
  kind: z.literal('sparkplug'),
  url: mqttUrl,
  ...mqttLogin,
  groupId: topicLevelId,
  /** Edge nodes to follow; absent: every edge node of the group. */
  edgeNodes: z.array(topicLevelId).min(1).optional(),
  /** Which metric feeds which Vigil channel. */
  metrics: z.array(z.discriminatedUnion('kind', [SparkplugValueMetricSchema, SparkplugWaveformMetricSchema])).min(1),
  staleAfterMs: positiveMs.default(DEFAULT_STALE_AFTER_MS),
});

const opcuaNodeBase = {
  nodeId: opcuaNodeId,
  assetId: topicLevelId,
  channelId: topicLevelId,
  /** Requested sampling interval of the monitored item, in ms (0: the server's fastest). */
  samplingIntervalMs: z.number().min(0),
};

/** An OPC UA variable holding a slow value (speed, temperature, load). */
export const OpcuaValueNodeSchema = z.strictObject({ ...opcuaNodeBase, kind: z.literal('value') });

/** An OPC UA array variable holding a waveform block, sampled at `sampleRateHz`. */
export const OpcuaWaveformNodeSchema = z.strictObject({ ...opcuaNodeBase, kind: z.literal('waveform'), sampleRateHz: z.number().positive() });

/** An OPC UA server and the variables Vigil subscribes to. */
export const OpcuaSourceSchema = z.strictObject({
  id: topicLevelId,
  kind: z.literal('opcua'),
  endpointUrl: opcuaEndpointUrl,
  securityMode: opcuaSecurityMode.default('None'),
  nodes: z.array(z.discriminatedUnion('kind', [OpcuaValueNodeSchema, OpcuaWaveformNodeSchema])).min(1),
});

/** How a Modbus register block is read as a number. */
export const MODBUS_FORMATS = ['int16', 'uint16', 'int32', 'uint32', 'float32'] as const;

/**
 * One polled Modbus value: raw × scale + offset, in `unit`. 32-bit formats span two registers;
 * `wordOrder` says which comes first (absent: big, the high word at `address`, as the Modbus
 * specification orders bytes; many PLCs swap words and need `little`).
 */
export const ModbusRegisterSchema = z.strictObject({
  address: modbusAddress,
  type: z.enum(['holding', 'input']),
  format: z.enum(MODBUS_FORMATS),
  wordOrder: z.enum(['big', 'little']).optional(),
  scale: z.number().refine((s) => s !== 0, { error: 'expected a non-zero scale (0 would read every value as the offset)' }).default(1),
  offset: z.number().default(0),
  assetId: topicLevelId,
  channelId: topicLevelId,
  /** Engineering unit after scaling, e.g. 'Hz', '°C', '%', 'A'. */
  unit: z.string().min(1),
});

/**
 * A Modbus TCP device polled for slow values. Modbus carries no waveforms: a few registers per poll
 * cannot hold kHz vibration, so channels never name a Modbus source.
 */
export const ModbusSourceSchema = z.strictObject({
  id: topicLevelId,
  kind: z.literal('modbus'),
  host: hostName,
  port: tcpPort.default(MODBUS_DEFAULT_PORT),
  unitId: modbusUnitId.default(1),
  /** Poll period; at least 10 ms, a Modbus TCP round trip takes milliseconds on a busy PLC. */
  pollMs: z.number().int().min(10),
  registers: z.array(ModbusRegisterSchema).min(1),
});

/** Any source, by `kind`. */
export const SourceSchema = z.discriminatedUnion('kind', [MqttSourceSchema, SparkplugSourceSchema, OpcuaSourceSchema, ModbusSourceSchema]);

/** A source as the rest of Vigil sees it, defaults filled. */
export type PlantSource = z.output<typeof SourceSchema>;
/** An MQTT source, defaults filled. */
export type MqttSource = z.output<typeof MqttSourceSchema>;
/** A Modbus source, defaults filled. */
export type ModbusSource = z.output<typeof ModbusSourceSchema>;
/** An OPC UA source, defaults filled. */
export type OpcuaSource = z.output<typeof OpcuaSourceSchema>;
/** A Sparkplug B source, defaults filled. */
export type SparkplugSource = z.output<typeof SparkplugSourceSchema>;
/** One Modbus register mapping, defaults filled. */
export type ModbusRegister = z.output<typeof ModbusRegisterSchema>;
