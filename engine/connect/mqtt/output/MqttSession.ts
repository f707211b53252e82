import { connect, type IClientOptions, type IClientSubscribeOptions, type MqttClient } from 'mqtt';
import type { Clock } from '../../../ingest/scheduling';

/**
 * How long to wait before each reconnection attempt: `firstDelayMs`, doubled after every failed
 * attempt up to `maxDelayMs`, back to `firstDelayMs` once connected. The cap bounds how late
 * Vigil notices the broker is back (a trip output that waits minutes to reconnect is a trip
 * output that is down for minutes); the doubling keeps a dead broker from being hammered.
 */
export interface ReconnectBackoff {
  firstDelayMs: number;
  maxDelayMs: number;
}

/** 100 ms, then 200, 400, … at most 2 s between attempts. */
export const DEFAULT_BACKOFF: ReconnectBackoff = { firstDelayMs: 100, maxDelayMs: 2000 };

/** What an `MqttSession` has been through, for counters and for the error a refused command gives. */
export interface SessionStats {
  /** Connection attempts after the first (each failed one and the one that succeeded). */
  reconnectAttempts: number;
  /** Reconnections that succeeded (and re-subscribed). */
  reconnects: number;
  /** Publishes the broker had not confirmed when the connection dropped: dropped, never replayed later. */
  droppedInFlight: number;
  /** Wall clock when the connection was lost, null while up. */
  downSinceMs: number | null;
  lastError: string | null;
}

/** How an `MqttSession` connects; see `MqttSession.open`. */
export interface MqttSessionOptions {
  /** e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  clientId: string;
  /** Subscribed again on every connection; the session is ready only once the broker granted them. */
  subscriptions?: readonly { topic: string; qos: 0 | 1 }[];
  /** The broker declares the connection dead after 1.5 × this without traffic (and then publishes the will). */
  keepaliveS?: number;
  /** How long `open` waits for the first connection (and its subscriptions) before giving up. */
  connectTimeoutMs?: number;
  backoff?: ReconnectBackoff;
  /** An MQTT Last Will, registered again with every connection. */
  will?: IClientOptions['will'];
  /** The broker account, when it asks for one (the password read from the environment by the caller, never from a file). */
  login?: MqttLogin;
  clock?: Clock;
}

/** A broker account. */
export interface MqttLogin {
  username?: string;
  password?: string;
}

/**
 * One MQTT 5 connection with Vigil's safety policy, shared by the trip output, the heartbeat and
 * the controller stand-in. The policy is the point of this class:
 *
 * - **Nothing is queued while offline.** mqtt.js keeps QoS 0 publishes made while disconnected
 *   (`queueQoSZero`) and replays unconfirmed QoS 1 publishes on the next connection, however
 *   much later that is. A trip replayed minutes after it was decided could stop a machine that
 *   operators have since restarted on purpose; a heartbeat queued during an outage would say the
 *   engine was alive when nobody could tell. So offline QoS 0 publishes fail, callers must check
 *   `ready` before a command (the trip output throws instead of sending), and when the connection
 *   drops every publish still waiting for the broker's confirmation is removed from mqtt.js's
 *   store and fails (counted in `droppedInFlight`). Whoever sent it hears "not confirmed" at once
 *   and its acknowledgement timeout escalates to a person, who decides.
 * - **Subscriptions are made again on each connection** (clean session: the broker keeps nothing
 *   for us) and `ready` is true only once they are granted, so a command is never sent while its
 *   acknowledgement could not be heard.
 * - **Bounded back-off** (see `ReconnectBackoff`), with attempts counted.
 */
export class MqttSession {
  readonly client: MqttClient;
  readonly #stats: SessionStats = { reconnectAttempts: 0, reconnects: 0, droppedInFlight: 0, downSinceMs: null, lastError: null };
  readonly #backoff: ReconnectBackoff;
  readonly #clock: Clock;
  readonly #subscriptions: readonly { topic: string; qos: 0 | 1 }[];
  readonly #readyListeners = new Set<() => void>();
  #ready = false;
  #everReady = false;
  #generation = 0;
  #closed = false;

  private constructor(o: MqttSessionOptions) {
    this.#backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.#clock = o.clock ?? Date.now;
    this.#subscriptions = o.subscriptions ?? [];
    this.client = connect(o.url, {
      protocolVersion: 5,
      clientId: o.clientId,
      clean: true,
      keepalive: o.keepaliveS ?? 5,
      connectTimeout: o.connectTimeoutMs ?? 5000,
      reconnectPeriod: this.#backoff.firstDelayMs,
      queueQoSZero: false,
      resubscribe: false,
      will: o.will,
      ...(o.login?.username === undefined ? {} : { username: o.login.username }),
      ...(o.login?.password === undefined ? {} : { password: o.login.password }),
    });
    this.client.on('error', (err) => (this.#stats.lastError = err.message));
    this.client.on('reconnect', () => {
      this.#stats.reconnectAttempts++;
      // mqtt.js reads reconnectPeriod each time it schedules the next attempt (on 'close').
      this.client.options.reconnectPeriod = Math.min(this.#backoff.maxDelayMs, (this.client.options.reconnectPeriod ?? this.#backoff.firstDelayMs) * 2);
    });
    this.client.on('connect', () => this.#onConnect());
    this.client.on('close', () => this.#onClose());
  }

  /**
   * Connects and resolves once the broker accepted the connection and granted every
   * subscription; rejects after `connectTimeoutMs` with the last connection error (the client is
   * then closed, nothing is left running).
   */
  static async open(o: MqttSessionOptions): Promise<MqttSession> {
    const s = new MqttSession(o);
    const timeoutMs = o.connectTimeoutMs ?? 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          s.#readyListeners.delete(done);
          reject(new Error(`could not connect to the MQTT broker at ${o.url} within ${timeoutMs} ms${s.#stats.lastError ? `: ${s.#stats.lastError}` : ''}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          s.#readyListeners.delete(done);
          resolve();
        };
        s.#readyListeners.add(done);
      });
    } catch (err) {
      await s.close('abrupt');
      throw err;
    }
    return s;
  }

  /** Connected and subscribed: a command sent now can be acknowledged. */
  get ready(): boolean {
    return this.#ready;
  }

  /** A copy of the counters. */
  stats(): SessionStats {
    return { ...this.#stats };
  }

  /** Calls `fn` each time the session becomes ready (after each reconnection); returns a disposer. */
  onReady(fn: () => void): () => void {
    this.#readyListeners.add(fn);
    return () => this.#readyListeners.delete(fn);
  }

  /**
   * Ends the connection. `graceful` sends DISCONNECT (the broker discards the will); `abrupt`
   * destroys the socket as a crash would (the broker publishes the will). Resolves when the
   * socket is closed; safe to call twice.
   */
  async close(mode: 'graceful' | 'abrupt'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    this.#readyListeners.clear();
    const force = mode === 'abrupt' || !this.client.connected || Object.keys(this.client.outgoing).length > 0;
    await new Promise<void>((resolve) => {
      const fallback = setTimeout(() => {
        this.client.end(true);
        resolve();
      }, 2000);
      this.client.end(force, force ? {} : { reasonCode: 0 }, () => {
        clearTimeout(fallback);
        resolve();
      });
    });
    this.client.removeAllListeners();
    // A late socket error after close must not become an unhandled 'error' event.
    this.client.on('error', () => {});
  }

  /**
   * Puts what the client has just written on the wire now. mqtt-packet corks the socket for each
   * packet and uncorks it on the next tick, and on a busy thread the next tick comes only after
   * the caller's remaining synchronous work: measured in the MQTT benchmark, a trip command left
   * the engine 2–17 ms after the decision, while the incident and its events were recorded. A
   * trip must be on the wire before any of that.
   */
  flush(): void {
    const socket = this.client.stream as { writableCorked?: number; uncork?: () => void } | undefined;
    while (socket?.uncork && (socket.writableCorked ?? 0) > 0) socket.uncork();
  }

  #onConnect(): void {
    const generation = ++this.#generation;
    // Nagle's algorithm holds a small write until the previous one is acknowledged, and the
    // peer delays its ACK by up to 40 ms: measured here, 42 ms per PUBACK and 85 ms per trip
    // acknowledgement on loopback. A trip command is one small write that must go now.
    const socket = this.client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
    socket?.setNoDelay?.(true);
    this.client.options.reconnectPeriod = this.#backoff.firstDelayMs;
    const becomeReady = (): void => {
      if (generation !== this.#generation || this.#closed || !this.client.connected) return;
      this.#ready = true;
      this.#stats.downSinceMs = null;
      if (this.#everReady) this.#stats.reconnects++;
      this.#everReady = true;
      for (const fn of [...this.#readyListeners]) fn();
    };
    if (this.#subscriptions.length === 0) {
      becomeReady();
      return;
    }
    const subs: Record<string, IClientSubscribeOptions> = {};
    for (const s of this.#subscriptions) subs[s.topic] = { qos: s.qos };
    this.client.subscribe(subs, (err, granted) => {
      const refused = granted?.filter((g) => g.qos > 2) ?? [];
      if (err || refused.length > 0) {
        this.#stats.lastError = err ? `subscribe failed: ${err.message}` : `broker refused ${refused.map((g) => g.topic).join(', ')}`;
        return;
      }
      becomeReady();
    });
  }

  #onClose(): void {
    this.#ready = false;
    this.#generation++;
    if (this.#stats.downSinceMs === null && this.#everReady) this.#stats.downSinceMs = this.#clock();
    // Drop, never replay: see the class comment. removeOutgoingMessage fails each one's callback.
    for (const key of Object.keys(this.client.outgoing)) {
      const messageId = Number(key);
      if (this.client.outgoing[messageId]?.cmd === 'publish') this.#stats.droppedInFlight++;
      this.client.removeOutgoingMessage(messageId);
    }
  }
}
