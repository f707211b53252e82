import { randomUUID } from 'node:crypto';
import type { IPublishPacket } from 'mqtt';
import type { Actuator, TripCommand, TripReceipt } from '../../../actuate/actuator';
import { nodeScheduler, type Clock, type Scheduled, type Scheduler } from '../../../ingest/scheduling';
import { tripAckTopic, tripCommandTopic } from '../topics';
import { MqttSession, type MqttLogin, type ReconnectBackoff } from './MqttSession';
import { MAX_REASON_CHARS, TripAckMessageSchema, assetOfTripTopic, parseJsonPayload, siteTripAckFilter, type TripCommandMessage } from './tripProtocol';

/** What became of one command, as the trip output learns it (listeners get each as it happens). */
export type TripOutcome =
  /** The broker accepted the command (QoS 1 PUBACK); `noSubscriber` when it said nobody subscribes to the asset's trip topic. */
  | { kind: 'puback'; commandId: string; assetId: string; pubackMs: number; noSubscriber: boolean }
  /** The controller latched the trip and said so within `ackTimeoutMs`. */
  | { kind: 'acknowledged'; commandId: string; assetId: string; latencyMs: number; trippedAtMs: number }
  /** No acknowledgement within `ackTimeoutMs`: escalated to a person (`message`). */
  | { kind: 'timeout'; commandId: string; assetId: string; ackTimeoutMs: number; message: string }
  /** An acknowledgement after the timeout: the trip did latch, later than it should have. */
  | { kind: 'late'; commandId: string; assetId: string; latencyMs: number; trippedAtMs: number }
  /** The broker never confirmed the command (connection lost, or refused): it is not re-sent. */
  | { kind: 'unconfirmed'; commandId: string; assetId: string; error: string };

/** A trip whose outcome a person must check, with the sentence to show them. */
export interface TripEscalation {
  commandId: string;
  assetId: string;
  reason: string;
  /** Wall clock when the escalation was raised. */
  atMs: number;
  message: string;
}

/** Running totals since connect, for the status page and the benchmark. */
export interface TripOutputCounters {
  commands: number;
  /** requestTrip calls refused because the output was not connected (each one threw). */
  refused: number;
  pubacks: number;
  acks: number;
  timeouts: number;
  late: number;
  unconfirmed: number;
  /** Commands still waiting when the output was disposed (each escalated). */
  abandoned: number;
  /** Ack-topic messages that are not a well-formed answer (no correlation data, bad JSON, ids that disagree). */
  malformedAcks: number;
  /** Well-formed acks for a command this output never sent (another engine's, or forgotten). */
  foreignAcks: number;
  duplicateAcks: number;
  listenerErrors: number;
  reconnectAttempts: number;
  reconnects: number;
}

/** How the trip output connects and how long it waits; see `MqttTripOutput.connect`. */
export interface MqttTripOutputOptions {
  url: string;
  site: string;
  /** The actuator name written in receipts and the audit trail. */
  name?: string;
  clientId?: string;
  /** The broker account, if it asks for one. */
  login?: MqttLogin;
  /** How long the controller has to acknowledge before a person is asked to check (default 500 ms). */
  ackTimeoutMs?: number;
  /**
   * MQTT 5 message expiry of a command (default 10 s): a broker holding it for a controller that
   * is offline drops it after this, so a controller coming back never acts on a stale trip.
   */
  commandExpiryS?: number;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  backoff?: ReconnectBackoff;
  /** Wall clock for receipts and payload timestamps. */
  clock?: Clock;
  /** Monotonic milliseconds for latencies (default `performance.now`). */
  monotonicMs?: () => number;
  scheduler?: Scheduler;
  /** Id for a command that has none (protection trips); default a random UUID. */
  newCommandId?: () => string;
  onEscalation?: (e: TripEscalation) => void;
}

/** Remembered finished commands, to tell a late or duplicate ack from a foreign one. */
const REMEMBERED = 4096;

interface Pending {
  key: string;
  commandId: string;
  assetId: string;
  reason: string;
  startedMs: number;
  timer: Scheduled | null;
  broker: 'waiting' | 'accepted' | 'no-subscriber' | 'lost' | 'refused';
  brokerError: string | null;
}

/**
 * Sends trip commands to plant controllers over MQTT 5 and tracks each one to the controller's
 * acknowledgement. `requestTrip` stays synchronous (the `Actuator` contract: the trip path never
 * awaits the network): it returns once the command is handed to the socket, and what happens next
 * arrives as `TripOutcome`s. A command that is not acknowledged within `ackTimeoutMs` is escalated
 * with a sentence for a person, because an unconfirmed trip is a machine that may still be running.
 *
 * Never silently dropped, never sent late: while disconnected `requestTrip` throws (the caller
 * records the failure and the operator stops the machine another way), and a command the broker
 * had not confirmed when the connection dropped is not replayed after reconnection (see
 * `MqttSession`). Protection re-decides every window, so a trip that is still needed is commanded
 * again, with its own fresh timestamps.
 */
export class MqttTripOutput implements Actuator {
  readonly name: string;
  readonly #session: MqttSession;
  readonly #o: MqttTripOutputOptions;
  readonly #clock: Clock;
  readonly #monotonicMs: () => number;
  readonly #scheduler: Scheduler;
  readonly #ackTimeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #timedOut = new Map<string, Pending>();
  readonly #acked = new Set<string>();
  readonly #listeners = new Set<(o: TripOutcome) => void>();
  readonly #pubackReason = new Map<number, number>();
  readonly #counters: Omit<TripOutputCounters, 'reconnectAttempts' | 'reconnects'> = {
    commands: 0, refused: 0, pubacks: 0, acks: 0, timeouts: 0, late: 0, unconfirmed: 0, abandoned: 0,
    malformedAcks: 0, foreignAcks: 0, duplicateAcks: 0, listenerErrors: 0,
  };
  #disposed = false;

  private constructor(session: MqttSession, o: MqttTripOutputOptions) {
    this.#session = session;
    this.#o = o;
    this.name = o.name ?? 'mqtt';
    this.#clock = o.clock ?? Date.now;
    this.#monotonicMs = o.monotonicMs ?? (() => performance.now());
    this.#scheduler = o.scheduler ?? nodeScheduler;
    this.#ackTimeoutMs = o.ackTimeoutMs ?? 500;
    session.client.on('message', (topic, payload, packet) => this.#onAck(topic, payload, packet));
    session.client.on('packetreceive', (p) => {
      if (p.cmd === 'puback' && p.messageId !== undefined) this.#pubackReason.set(p.messageId, p.reasonCode ?? 0);
    });
  }

  /** Connects, subscribes to the site's acknowledgements, and resolves when trips can be sent. Rejects if the broker cannot be reached within `connectTimeoutMs`. */
  static async connect(o: MqttTripOutputOptions): Promise<MqttTripOutput> {
    if (o.ackTimeoutMs !== undefined && !(o.ackTimeoutMs > 0)) throw new Error(`ackTimeoutMs must be positive, not ${o.ackTimeoutMs}`);
    if (o.commandExpiryS !== undefined && !(Number.isInteger(o.commandExpiryS) && o.commandExpiryS >= 1)) throw new Error(`commandExpiryS must be a whole number of seconds ≥ 1 (MQTT message expiry), not ${o.commandExpiryS}`);
    const session = await MqttSession.open({
      url: o.url,
      clientId: o.clientId ?? `vigil-trip-${o.site}-${randomUUID().slice(0, 8)}`,
      subscriptions: [{ topic: siteTripAckFilter(o.site), qos: 1 }],
      keepaliveS: o.keepaliveS,
      connectTimeoutMs: o.connectTimeoutMs,
      backoff: o.backoff,
      clock: o.clock,
      login: o.login,
    });
    return new MqttTripOutput(session, o);
  }

  /** True when a trip sent now goes out and its acknowledgement can be heard. */
  get connected(): boolean {
    return this.#session.ready && !this.#disposed;
  }

  /** Commands sent and not yet acknowledged, timed out or abandoned. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Subscribes to outcomes; returns the function that unsubscribes. */
  onOutcome(listener: (o: TripOutcome) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A copy of the running totals. */
  counters(): TripOutputCounters {
    const s = this.#session.stats();
    return { ...this.#counters, reconnectAttempts: s.reconnectAttempts, reconnects: s.reconnects };
  }

  /**
   * Publishes the command (QoS 1, correlation data = command id, response topic = the asset's
   * ack topic) and returns at once. Throws, sending nothing, when not connected or disposed.
   */
  requestTrip(cmd: TripCommand): TripReceipt {
    const commandTopic = tripCommandTopic(this.#o.site, cmd.assetId);
    if (!this.connected) {
      this.#counters.refused++;
      throw new Error(this.#refusal(cmd.assetId));
    }
    const commandId = cmd.commandId ?? (this.#o.newCommandId ?? randomUUID)();
    const commandedAtMs = this.#clock();
    const key = `${cmd.assetId}\u0000${commandId}`;
    const body: TripCommandMessage = { commandId, assetId: cmd.assetId, decidedAtMs: cmd.decidedAtMs, reason: cmd.reason.slice(0, MAX_REASON_CHARS), sentAtMs: commandedAtMs };
    this.#counters.commands++;
    // The same (asset, id) again while the first is pending goes out again (the actuator never
    // suppresses a trip; deduplication is TripOutputStage's job) and is tracked as the first.
    const p: Pending = this.#pending.get(key) ?? { key, commandId, assetId: cmd.assetId, reason: cmd.reason, startedMs: this.#monotonicMs(), timer: null, broker: 'waiting', brokerError: null };
    if (!this.#pending.has(key)) {
      this.#pending.set(key, p);
      p.timer = this.#scheduler.after(this.#ackTimeoutMs, () => this.#onTimeout(p));
    }
    this.#session.client.publish(
      commandTopic,
      JSON.stringify(body),
      {
        qos: 1,
        retain: false,
        properties: {
          correlationData: Buffer.from(commandId, 'utf8'),
          responseTopic: tripAckTopic(this.#o.site, cmd.assetId),
          messageExpiryInterval: this.#o.commandExpiryS ?? 10,
          contentType: 'application/json',
          payloadFormatIndicator: true,
        },
      },
      (err, packet) => this.#onPuback(p, err, packet?.messageId),
    );
    this.#session.flush();
    return { actuator: this.name, commandedAtMs };
  }

  /**
   * Closes the connection. Commands still waiting for their acknowledgement are escalated (a
   * person must check them: nobody will hear their answer now); further trips throw.
   */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#pending.values()) {
      p.timer?.cancel();
      this.#counters.abandoned++;
      this.#escalate(p, `the trip output closed before the controller of ${p.assetId} acknowledged: check the controller; the trip may not have happened`);
    }
    this.#pending.clear();
    await this.#session.close('graceful');
    this.#listeners.clear();
  }

  #refusal(assetId: string): string {
    if (this.#disposed) return `trip of ${assetId} not sent: the MQTT trip output "${this.name}" has been disposed`;
    const s = this.#session.stats();
    const since = s.downSinceMs === null ? 'not yet connected' : `down since ${new Date(s.downSinceMs).toISOString()}`;
    const why = s.lastError ? `, last error: ${s.lastError}` : '';
    return `trip of ${assetId} not sent: the MQTT trip output "${this.name}" is not connected to ${this.#o.url} (${since}, ${s.reconnectAttempts} reconnect attempts${why}); trips are never queued for later, so stop the machine another way`;
  }

  #onPuback(p: Pending, err: Error | undefined, messageId: number | undefined): void {
    const reasonCode = messageId === undefined ? 0 : (this.#pubackReason.get(messageId) ?? 0);
    if (messageId !== undefined) this.#pubackReason.delete(messageId);
    if (err) {
      p.broker = err.message === 'Message removed' || err.message === 'Connection closed' ? 'lost' : 'refused';
      p.brokerError = err.message;
      this.#counters.unconfirmed++;
      this.#emit({ kind: 'unconfirmed', commandId: p.commandId, assetId: p.assetId, error: err.message });
      return;
    }
    p.broker = reasonCode === 16 ? 'no-subscriber' : 'accepted';
    this.#counters.pubacks++;
    this.#emit({ kind: 'puback', commandId: p.commandId, assetId: p.assetId, pubackMs: this.#monotonicMs() - p.startedMs, noSubscriber: reasonCode === 16 });
  }

  #onTimeout(p: Pending): void {
    if (this.#pending.get(p.key) !== p) return;
    this.#pending.delete(p.key);
    this.#remember(this.#timedOut, p.key, p);
    this.#counters.timeouts++;
    const broker = {
      waiting: 'the broker had not confirmed the command either',
      accepted: 'the broker accepted the command',
      'no-subscriber': `the broker accepted the command but no controller is subscribed to ${p.assetId}'s trip topic`,
      lost: 'the connection to the broker dropped before it confirmed the command',
      refused: `the broker refused the command: ${p.brokerError}`,
    }[p.broker];
    const message = `no acknowledgement from the controller of ${p.assetId} within ${this.#ackTimeoutMs} ms (${broker}): check the controller; the trip may not have happened`;
    this.#emit({ kind: 'timeout', commandId: p.commandId, assetId: p.assetId, ackTimeoutMs: this.#ackTimeoutMs, message });
    this.#escalate(p, message);
  }

  #onAck(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const assetId = assetOfTripTopic(topic, 'ack');
    const correlation = packet.properties?.correlationData;
    const ack = parseJsonPayload(TripAckMessageSchema, payload);
    if (!assetId || !correlation || !ack || ack.assetId !== assetId || ack.commandId !== Buffer.from(correlation).toString('utf8')) {
      this.#counters.malformedAcks++;
      return;
    }
    const key = `${assetId}\u0000${ack.commandId}`;
    const latencyOf = (p: Pending): number => this.#monotonicMs() - p.startedMs;
    const p = this.#pending.get(key);
    if (p) {
      p.timer?.cancel();
      this.#pending.delete(key);
      this.#acked.add(key);
      if (this.#acked.size > REMEMBERED) this.#acked.delete(this.#acked.values().next().value!);
      this.#counters.acks++;
      this.#emit({ kind: 'acknowledged', commandId: ack.commandId, assetId, latencyMs: latencyOf(p), trippedAtMs: ack.trippedAtMs });
      return;
    }
    const late = this.#timedOut.get(key);
    if (late) {
      this.#timedOut.delete(key);
      this.#acked.add(key);
      this.#counters.late++;
      this.#emit({ kind: 'late', commandId: ack.commandId, assetId, latencyMs: latencyOf(late), trippedAtMs: ack.trippedAtMs });
      return;
    }
    if (this.#acked.has(key)) this.#counters.duplicateAcks++;
    else this.#counters.foreignAcks++;
  }

  #remember(map: Map<string, Pending>, key: string, p: Pending): void {
    map.set(key, p);
    if (map.size > REMEMBERED) map.delete(map.keys().next().value!);
  }

  #escalate(p: Pending, message: string): void {
    try {
      this.#o.onEscalation?.({ commandId: p.commandId, assetId: p.assetId, reason: p.reason, atMs: this.#clock(), message });
    } catch {
      this.#counters.listenerErrors++;
    }
  }

  #emit(o: TripOutcome): void {
    for (const l of this.#listeners) {
      try {
        l(o);
      } catch {
        this.#counters.listenerErrors++;
      }
    }
  }
}
