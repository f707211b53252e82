import { connect, type MqttClient } from 'mqtt';
import { MOSQUITTO, startMosquitto, type LocalPeer } from '../../../../../engine/connect/localPeer';

/** Why the MQTT output tests are skipped here, or null when mosquitto is installed. */
export const skipReason: string | null = MOSQUITTO ? null : 'mosquitto is not installed (apt-get install mosquitto; .ci/run installs it)';

/** The URL of a broker on loopback. */
export function brokerUrl(peer: LocalPeer): string {
  return `mqtt://127.0.0.1:${peer.port}`;
}

/** Resolves when `cond()` holds; rejects naming `what` after `timeoutMs`. Polls every 5 ms. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const by = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > by) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The q-quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** A plain MQTT 5 client for a test's own observations and garbage (not part of the product). */
export async function rawClient(url: string): Promise<MqttClient> {
  const c = connect(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
  c.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

/**
 * Everything a test started, disposed in reverse order after it, and a check that the sockets
 * and timers it made are gone (a client left running would keep reconnecting into later tests).
 */
export class TestResources {
  readonly #disposers: (() => Promise<void>)[] = [];
  #baseline = 0;

  /** Notes the handles open before the test starts. */
  begin(): void {
    this.#baseline = liveHandles();
  }

  /** Registers `x` for disposal and returns it. */
  track<T extends { dispose(): Promise<void> }>(x: T): T {
    this.#disposers.push(() => x.dispose());
    return x;
  }

  /** Registers a broker: stopped after the test. */
  broker(peer: LocalPeer): LocalPeer {
    this.#disposers.push(() => peer.stop());
    return peer;
  }

  /** Registers a raw client: ended after the test. */
  client(c: MqttClient): MqttClient {
    this.#disposers.push(() => c.endAsync(true));
    return c;
  }

  /** Starts a mosquitto registered for stopping. */
  async mosquitto(o: { port?: number } = {}): Promise<LocalPeer> {
    return this.broker(await startMosquitto(o));
  }

  /** Disposes everything, newest first, then waits (up to 2 s) for the handle count to return to where it began. */
  async end(): Promise<void> {
    for (const d of this.#disposers.splice(0).reverse()) await d();
    await until(() => liveHandles() <= this.#baseline, 2000, `sockets and timers to close (baseline ${this.#baseline}, now ${describeHandles()})`);
  }
}

const WATCHED = new Set(['TCPSocketWrap', 'TCPWrap', 'Timeout', 'ProcessWrap']);

function liveHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => WATCHED.has(r)).length;
}

function describeHandles(): string {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) if (WATCHED.has(r)) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k}×${v}`).join(', ') || 'none';
}
