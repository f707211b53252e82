import { randomUUID } from 'node:crypto';
import type { IPublishPacket } from 'mqtt';
import { nodeScheduler, type Clock, type Scheduled, type Scheduler } from '../../../ingest/scheduling';
import { heartbeatTopic } from '../topics';
import { MqttSession, type ReconnectBackoff } from './MqttSession';
import {
  HeartbeatTopicMessageSchema, TripCommandMessageSchema, assetOfTripTopic, parseJsonPayload, siteHeartbeatFilter, siteTripCommandFilter,
  type TripAckMessage, type TripCommandMessage,
} from './tripProtocol';

/** Why the stand-in latched an asset's trip. */
export type LatchCause = 'command' | 'heartbeat-lost' | 'engine-dead';

/** One asset's latched trip: it stays until `reset`, as a controller's trip latch does. */
export interface ControllerLatch {
  assetId: string;
  cause: LatchCause;
  /** The command that tripped it; null for a watchdog or will trip, or an unreadable command. */
  commandId: string | null;
  /** Controller wall clock when it latched. */
  atMs: number;
}

/** A command as the stand-in received it. */
export interface ReceivedCommand extends TripCommandMessage {
  receivedAtMs: number;
}

/** How the stand-in answers: `silent` holds every ack back (until `releaseWithheld`); `ackDelayMs` answers late. */
export interface ControllerBehaviour {
  silent: boolean;
  ackDelayMs: number;
}

/** Where the stand-in listens and what it protects; see `MqttControllerPeer.start`. */
export interface MqttControllerPeerOptions {
  url: string;
  site: string;
  /** The assets it trips when the engine goes quiet (plus any it has been commanded). */
  assetIds?: readonly string[];
  /** The engine whose heartbeat it watches; default any engine of the site. */
  engineId?: string;
  /** Trip every asset when no heartbeat arrives for this long; null (default) for no watchdog. */
  watchdogMs?: number | null;
  clientId?: string;
  connectTimeoutMs?: number;
  backoff?: ReconnectBackoff;
  clock?: Clock;
  scheduler?: Scheduler;
}

/** What the stand-in has seen. */
export interface ControllerCounters {
  commands: number;
  /** Commands without correlation data or response topic, or with an unreadable body (latched anyway, not answered). */
  malformedCommands: number;
  acksSent: number;
  heartbeats: number;
  malformedHeartbeats: number;
  /** Last Will messages ("engine dead") received. */
  deadMessages: number;
  /** Times the watchdog expired. */
  watchdogTrips: number;
}

/**
 * A plant controller's side of Vigil's MQTT trip protocol, played by a real MQTT client against
 * a real broker, for the integration tests and the benchmark. It is not a mock of the broker:
 * everything it sees went through mosquitto, so QoS, correlation data, message expiry and Last
 * Will are the broker's real behaviour.
 *
 * It does what the protocol asks of a controller:
 * - subscribes to `vigil/v1/<site>/+/cmd/trip`, latches each commanded asset (first latch wins,
 *   later commands are answered with the original trip time), and answers on the command's
 *   response topic with the same correlation data `{commandId, assetId, trippedAtMs}`. A command
 *   it cannot read still trips its asset (the topic names it) — fail-safe — but is not answered;
 * - watches the engine's heartbeat: when none arrives within `watchdogMs`, or the engine's Last
 *   Will arrives, it trips every asset. The watchdog arms at the first heartbeat (a stand-in
 *   started before the engine would otherwise trip at once; a real controller may choose to).
 *
 * For tests it can hold its answers back (`silent`) or answer late (`ackDelayMs`).
 */
export class MqttControllerPeer {
  readonly #session: MqttSession;
  readonly #o: MqttControllerPeerOptions;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #assets: Set<string>;
  readonly #latches = new Map<string, ControllerLatch>();
  readonly #commands: ReceivedCommand[] = [];
  readonly #withheld: (() => void)[] = [];
  readonly #timers = new Set<Scheduled>();
  readonly #latchListeners = new Set<(l: ControllerLatch) => void>();
  readonly #counters: ControllerCounters = { commands: 0, malformedCommands: 0, acksSent: 0, heartbeats: 0, malformedHeartbeats: 0, deadMessages: 0, watchdogTrips: 0 };
  #behaviour: ControllerBehaviour = { silent: false, ackDelayMs: 0 };
  #watchdog: Scheduled | null = null;
  #disposed = false;

  private constructor(session: MqttSession, o: MqttControllerPeerOptions) {
    this.#session = session;
    this.#o = o;
    this.#clock = o.clock ?? Date.now;
    this.#scheduler = o.scheduler ?? nodeScheduler;
    this.#assets = new Set(o.assetIds ?? []);
    session.client.on('message', (topic, payload, packet) => {
      if (assetOfTripTopic(topic, 'cmd')) this.#onCommand(topic, payload, packet);
      else this.#onHeartbeat(payload);
    });
  }

  /** Connects and resolves once subscribed to the site's trip commands and the engine's heartbeat. */
  static async start(o: MqttControllerPeerOptions): Promise<MqttControllerPeer> {
    const session = await MqttSession.open({
      url: o.url,
      clientId: o.clientId ?? `vigil-controller-${o.site}-${randomUUID().slice(0, 8)}`,
      subscriptions: [
        { topic: siteTripCommandFilter(o.site), qos: 1 },
        { topic: o.engineId ? heartbeatTopic(o.site, o.engineId) : siteHeartbeatFilter(o.site), qos: 1 },
      ],
      connectTimeoutMs: o.connectTimeoutMs,
      backoff: o.backoff,
      clock: o.clock,
    });
    return new MqttControllerPeer(session, o);
  }

  /** Connected and subscribed: it hears commands and heartbeats now. */
  get connected(): boolean {
    return this.#session.ready;
  }

  /** Changes how it answers from now on (answers already scheduled keep their delay). */
  setBehaviour(b: Partial<ControllerBehaviour>): void {
    this.#behaviour = { ...this.#behaviour, ...b };
  }

  /** Sends every answer held back while silent, in arrival order; returns how many. */
  releaseWithheld(): number {
    const n = this.#withheld.length;
    for (const send of this.#withheld.splice(0)) send();
    return n;
  }

  /** Every asset latched now, in latch order. */
  latched(): ControllerLatch[] {
    return [...this.#latches.values()];
  }

  /** Every command received, oldest first. */
  commands(): readonly ReceivedCommand[] {
    return this.#commands;
  }

  /** A copy of the counters. */
  counters(): ControllerCounters {
    return { ...this.#counters };
  }

  /** Calls `fn` for each new latch; returns the function that unsubscribes. */
  onLatch(fn: (l: ControllerLatch) => void): () => void {
    this.#latchListeners.add(fn);
    return () => this.#latchListeners.delete(fn);
  }

  /** Clears the latch of `assetId`, or of every asset: an operator's reset at the controller. */
  reset(assetId?: string): void {
    if (assetId === undefined) this.#latches.clear();
    else this.#latches.delete(assetId);
  }

  /** Stops its timers, drops held answers and disconnects. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#watchdog?.cancel();
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
    this.#withheld.length = 0;
    this.#latchListeners.clear();
    await this.#session.close('graceful');
  }

  #latch(assetId: string, cause: LatchCause, commandId: string | null): ControllerLatch {
    this.#assets.add(assetId);
    const existing = this.#latches.get(assetId);
    if (existing) return existing;
    const l: ControllerLatch = { assetId, cause, commandId, atMs: this.#clock() };
    this.#latches.set(assetId, l);
    for (const fn of this.#latchListeners) fn(l);
    return l;
  }

  #tripAll(cause: LatchCause): void {
    this.#watchdog?.cancel();
    this.#watchdog = null;
    for (const assetId of this.#assets) this.#latch(assetId, cause, null);
  }

  #onCommand(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const assetId = assetOfTripTopic(topic, 'cmd')!;
    const cmd = parseJsonPayload(TripCommandMessageSchema, payload);
    const correlationData = packet.properties?.correlationData;
    const responseTopic = packet.properties?.responseTopic;
    if (!cmd || cmd.assetId !== assetId || !correlationData || !responseTopic) {
      this.#counters.malformedCommands++;
      this.#latch(assetId, 'command', null);
      return;
    }
    this.#counters.commands++;
    this.#commands.push({ ...cmd, receivedAtMs: this.#clock() });
    const latch = this.#latch(assetId, 'command', cmd.commandId);
    const ack: TripAckMessage = { commandId: cmd.commandId, assetId, trippedAtMs: latch.atMs };
    const send = (): void => {
      if (this.#disposed || !this.#session.ready) return;
      this.#session.client.publish(responseTopic, JSON.stringify(ack), { qos: 1, properties: { correlationData: Buffer.from(correlationData) } });
      this.#session.flush();
      this.#counters.acksSent++;
    };
    if (this.#behaviour.silent) this.#withheld.push(send);
    else if (this.#behaviour.ackDelayMs <= 0) send();
    else {
      const t = this.#scheduler.after(this.#behaviour.ackDelayMs, () => {
        this.#timers.delete(t);
        send();
      });
      this.#timers.add(t);
    }
  }

  #onHeartbeat(payload: Buffer): void {
    const msg = parseJsonPayload(HeartbeatTopicMessageSchema, payload);
    if (!msg) {
      this.#counters.malformedHeartbeats++;
      return;
    }
    if ('dead' in msg) {
      this.#counters.deadMessages++;
      this.#tripAll('engine-dead');
      return;
    }
    this.#counters.heartbeats++;
    const watchdogMs = this.#o.watchdogMs ?? null;
    if (watchdogMs === null || this.#disposed) return;
    this.#watchdog?.cancel();
    this.#watchdog = this.#scheduler.after(watchdogMs, () => {
      this.#counters.watchdogTrips++;
      this.#tripAll('heartbeat-lost');
    });
  }
}
