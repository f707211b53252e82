import { randomUUID } from 'node:crypto';
import { nodeScheduler, type Clock, type Scheduled, type Scheduler } from '../../../ingest/scheduling';
import { heartbeatTopic } from '../topics';
import { MqttSession, type MqttLogin, type ReconnectBackoff } from './MqttSession';
import type { EngineDeadMessage, HeartbeatMessage } from './tripProtocol';

/** How often and where the engine says it is alive; see `MqttHeartbeat.start`. */
export interface MqttHeartbeatOptions {
  url: string;
  site: string;
  engineId: string;
  /** Time between heartbeats (default 1000 ms). Keep it well under the controller's watchdog (three or more per watchdog period). */
  periodMs?: number;
  /** MQTT 5 message expiry of each heartbeat (default: three periods, at least 1 s). */
  expiryS?: number;
  /**
   * MQTT keepalive (default 2 s): after a silent loss (pulled cable, frozen host) the broker
   * publishes the Last Will within 1.5 × this. A controller's watchdog shorter than that trips first.
   */
  keepaliveS?: number;
  clientId?: string;
  /** The broker account, if it asks for one. */
  login?: MqttLogin;
  connectTimeoutMs?: number;
  backoff?: ReconnectBackoff;
  clock?: Clock;
  scheduler?: Scheduler;
}

/** Running totals of a heartbeat sender. */
export interface HeartbeatCounters {
  sent: number;
  /** Heartbeats due while disconnected: not sent, and never sent later. */
  skipped: number;
  reconnectAttempts: number;
  reconnects: number;
}

/**
 * The engine's "still watching" signal to plant controllers, on
 * `vigil/v1/<site>/engine/<engineId>/heartbeat`: `{engineId, seq, atMs}` every `periodMs`, QoS 0
 * (a lost heartbeat is replaced by the next; retrying an old one would only mislead).
 *
 * **The controller side trips when heartbeats stop for longer than its watchdog timeout.** Vigil
 * is a monitoring console, not a safety PLC: a machine it protects may run only while it is
 * watching. Heartbeats stop when the engine process dies, hangs, loses the network, or is shut
 * down — deliberately or not — so a planned restart longer than the watchdog trips the machines
 * too, and must be coordinated on the controller (its own bypass, not Vigil's).
 *
 * Two mechanisms make the stop visible:
 * - **Message expiry**: each heartbeat expires after `expiryS`, so a broker never delivers a stale
 *   heartbeat to a controller that reconnects later (a stale heartbeat would say a dead engine is alive).
 * - **Last Will**: the connection registers `{engineId, dead: true}` on the same topic (QoS 1, not
 *   retained). If the connection drops without DISCONNECT — the process crashed or was killed, or
 *   the broker's keepalive expired — the broker publishes it at once, and the controller trips
 *   without waiting for its watchdog. A clean `dispose` discards the will; the watchdog then trips.
 *
 * Heartbeats due while disconnected are skipped, not queued (`MqttSession` policy).
 */
export class MqttHeartbeat {
  readonly #session: MqttSession;
  readonly #o: MqttHeartbeatOptions;
  readonly #topic: string;
  readonly #periodMs: number;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #counters = { sent: 0, skipped: 0 };
  #seq = 0;
  #timer: Scheduled | null = null;
  #stopped = false;

  private constructor(session: MqttSession, o: MqttHeartbeatOptions) {
    this.#session = session;
    this.#o = o;
    this.#topic = heartbeatTopic(o.site, o.engineId);
    this.#periodMs = o.periodMs ?? 1000;
    this.#clock = o.clock ?? Date.now;
    this.#scheduler = o.scheduler ?? nodeScheduler;
  }

  /** Connects (registering the Last Will), sends the first heartbeat at once, then one every `periodMs`. */
  static async start(o: MqttHeartbeatOptions): Promise<MqttHeartbeat> {
    if (o.periodMs !== undefined && !(o.periodMs > 0)) throw new Error(`periodMs must be positive, not ${o.periodMs}`);
    if (o.expiryS !== undefined && !(Number.isInteger(o.expiryS) && o.expiryS >= 1)) throw new Error(`expiryS must be a whole number of seconds ≥ 1 (MQTT message expiry), not ${o.expiryS}`);
    const will: EngineDeadMessage = { engineId: o.engineId, dead: true };
    const session = await MqttSession.open({
      url: o.url,
      clientId: o.clientId ?? `vigil-heartbeat-${o.engineId}-${randomUUID().slice(0, 8)}`,
      keepaliveS: o.keepaliveS ?? 2,
      connectTimeoutMs: o.connectTimeoutMs,
      backoff: o.backoff,
      clock: o.clock,
      login: o.login,
      will: {
        topic: heartbeatTopic(o.site, o.engineId),
        payload: Buffer.from(JSON.stringify(will)),
        qos: 1,
        retain: false,
        properties: { willDelayInterval: 0, contentType: 'application/json', payloadFormatIndicator: true },
      },
    });
    const hb = new MqttHeartbeat(session, o);
    hb.#beat();
    return hb;
  }

  /** True while heartbeats reach the broker (they are skipped, not queued, while it is away). */
  get connected(): boolean {
    return this.#session.ready && !this.#stopped;
  }

  /** A copy of the running totals. */
  counters(): HeartbeatCounters {
    const s = this.#session.stats();
    return { ...this.#counters, reconnectAttempts: s.reconnectAttempts, reconnects: s.reconnects };
  }

  /** The sequence number the next heartbeat will carry. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** Stops heartbeats and disconnects cleanly (the broker discards the will): controllers trip when their watchdog expires. */
  async dispose(): Promise<void> {
    this.#stop();
    await this.#session.close('graceful');
  }

  /**
   * Stops heartbeats and drops the connection without DISCONNECT, as a crash or a pulled cable
   * would: the broker publishes the Last Will and controllers trip at once. For drills and tests.
   */
  async kill(): Promise<void> {
    this.#stop();
    await this.#session.close('abrupt');
  }

  #stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  #beat(): void {
    if (this.#stopped) return;
    this.#timer = this.#scheduler.after(this.#periodMs, () => this.#beat());
    if (!this.#session.ready) {
      this.#counters.skipped++;
      return;
    }
    const msg: HeartbeatMessage = { engineId: this.#o.engineId, seq: this.#seq++, atMs: this.#clock() };
    const expiryS = this.#o.expiryS ?? Math.max(1, Math.ceil((3 * this.#periodMs) / 1000));
    this.#session.client.publish(this.#topic, JSON.stringify(msg), { qos: 0, retain: false, properties: { messageExpiryInterval: expiryS } });
    this.#session.flush();
    this.#counters.sent++;
  }
}
