import mqtt, { type MqttClient } from 'mqtt';

/** How a data source reaches its broker. */
export interface SourceClientOptions {
  url: string;
  /** 5 (default) for MQTT 5; 4 for a 3.1.1 broker such as the embedded aedes. */
  protocolVersion?: 4 | 5;
  clientId: string;
  username?: string;
  password?: string;
  /** First reconnect delay (default 250 ms), doubled per failed attempt up to `maxReconnectMs` (default 10 s). */
  reconnectMs?: number;
  maxReconnectMs?: number;
  /** Subscribed on every connection (QoS 0: sensor data is only useful now). */
  filters: string[];
  /** Names the source in log lines. */
  label: string;
  log?: (line: string) => void;
}

/** What the connection has done, kept up to date on the caller's counters object. */
export interface SourceConnectionCounters {
  connected: boolean;
  connects: number;
  disconnects: number;
  /** Reconnection attempts while the broker was away (each after a longer wait). */
  reconnectAttempts: number;
}

/**
 * A data source's MQTT connection, shared by the plain MQTT and the Sparkplug B sources: clean
 * sessions, the subscriptions made again on every connection, and reconnection with a doubling
 * delay (never faster than `reconnectMs`, at most `maxReconnectMs` apart), so a plant full of
 * engines does not flood a broker that is coming back. mqtt.js only knows a fixed period, so the
 * period is changed between attempts.
 */
export function connectSourceClient(o: SourceClientOptions, c: SourceConnectionCounters): MqttClient {
  const base = o.reconnectMs ?? 250;
  let failedAttempts = 0;
  const client = mqtt.connect(o.url, {
    protocolVersion: o.protocolVersion ?? 5,
    clientId: o.clientId,
    clean: true,
    reconnectPeriod: base,
    connectTimeout: 5000,
    resubscribe: true,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
  });
  client.on('connect', () => {
    failedAttempts = 0;
    client.options.reconnectPeriod = base;
    c.connected = true;
    c.connects++;
    client.subscribe(o.filters, { qos: 0 }, (err) => {
      if (err) o.log?.(`${o.label} ${o.url}: subscribe failed: ${err.message}`);
    });
    o.log?.(`${o.label} connected to ${o.url}`);
  });
  client.on('close', () => {
    if (c.connected) {
      c.disconnects++;
      o.log?.(`${o.label} lost ${o.url}: its channels go stale until it is back`);
    }
    c.connected = false;
  });
  client.on('reconnect', () => {
    failedAttempts++;
    c.reconnectAttempts++;
    client.options.reconnectPeriod = Math.min(o.maxReconnectMs ?? 10_000, base * 2 ** Math.min(failedAttempts, 16));
  });
  client.on('error', (err) => o.log?.(`${o.label} ${o.url}: ${err.message}`));
  return client;
}
