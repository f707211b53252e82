import { z } from 'zod';
import { idProblem } from '../../connect/mqtt/topics';
import { describeValue } from './plantMessages';

/**
 * Field schemas shared by the parts of a plant file. Each carries its own message where the default
 * "expected …, got …" would not say what to write instead (a URL scheme, a node id's form).
 */

/**
 * An id that becomes an MQTT topic level (site, asset, channel, source, group): the topic scheme's
 * own rule, so an id accepted here never makes `waveTopic` throw once the plant runs.
 */
export const topicLevelId = z.string().superRefine((id, ctx) => {
  const problem = idProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: `${describeValue(id)} ${problem}` });
});

/** Milliseconds as a positive whole number (periods, timeouts, staleness limits). */
export const positiveMs = z.number().int().positive();

/**
 * A host name or IP address, not a URL: Modbus and the trip outputs take host and port apart, and
 * a pasted `modbus://10.0.0.5:502` would otherwise fail only when the plant first connects.
 */
export const hostName = z.string().min(1).refine((h) => !/[\s/]/.test(h) && !h.includes('://'), {
  error: (iss) => `expected a host name or IP address such as "10.20.0.15" (no scheme, port or path), got ${describeValue(iss.input)}`,
});

/** A TCP port. */
export const tcpPort = z.number().int().min(1).max(65535);

/** A Modbus unit (slave) id: 0 is broadcast on serial lines but addresses the gateway itself over TCP. */
export const modbusUnitId = z.number().int().min(0).max(255);

/** A Modbus register or coil address (the 0-based protocol address, not the 40001-style number). */
export const modbusAddress = z.number().int().min(0).max(65535);

/** Schemes an MQTT client connects over: TCP, TLS and WebSockets (plain or TLS). */
const MQTT_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/**
 * A broker URL. Credentials in it are refused: a plant file is copied, versioned and printed in
 * logs, so user names go in `username` and passwords in an environment variable (`passwordEnv`).
 */
export const mqttUrl = z.string().superRefine((s, ctx) => {
  let url: URL | null = null;
  try {
    url = new URL(s);
  } catch {
    url = null;
  }
  if (!url || !MQTT_SCHEMES.includes(url.protocol) || url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: `expected a broker URL such as "mqtts://broker.plant.local:8883" (mqtt://, mqtts://, ws:// or wss://), got ${describeValue(s)}` });
  } else if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'the URL carries credentials: give the user in username and the password through passwordEnv' });
  }
});

/** A NATS server (scale-out's lease store): `nats://host:port`, or `tls://host:port`. */
export const natsUrl = z.string().regex(/^(nats|tls):\/\/[^\s/:@]+(:\d{1,5})?$/, {
  error: (iss) => `expected a NATS server such as "nats://nats.plant.local:4222" (nats:// or tls://, no credentials), got ${describeValue(iss.input)}`,
});

/** An OPC UA server endpoint: the binary TCP protocol is the one industrial servers all speak. */
export const opcuaEndpointUrl = z.string().regex(/^opc\.tcp:\/\/[^\s/:]+(:\d{1,5})?(\/\S*)?$/, {
  error: (iss) => `expected an endpoint such as "opc.tcp://10.20.0.30:4840/vibration", got ${describeValue(iss.input)}`,
});

/**
 * An OPC UA node id in its string form: numeric, string, GUID or opaque identifier, with an optional
 * namespace index (`ns=2;`) or namespace URI (`nsu=…;`).
 */
export const opcuaNodeId = z.string().regex(/^(ns=\d+;|nsu=[^;]+;)?(i=\d+|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/=]+)$/, {
  error: (iss) => `expected an OPC UA node id such as "ns=2;s=P101.DE.Accel" or "ns=3;i=1042", got ${describeValue(iss.input)}`,
});

/** OPC UA message security: None is common on an isolated control network, SignAndEncrypt elsewhere. */
export const opcuaSecurityMode = z.enum(['None', 'Sign', 'SignAndEncrypt']);

/**
 * The name of an environment variable holding a secret. Only the name is in the file, never the
 * secret: anything that is not a plausible variable name is refused, so a pasted password is caught.
 */
export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: () => 'expected the name of an environment variable (letters, digits and _, such as VIGIL_MQTT_PASSWORD), never the password itself',
});
