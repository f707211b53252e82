import type { MqttLogin, ReconnectBackoff } from '../mqtt/output/MqttSession';
import type { OutboxCounters, OutboxItem } from './EventOutbox';

/** How the forwarder thread is started. */
export interface EventForwarderWorkerData {
  /** The outbox file (':memory:' keeps nothing across restarts). */
  outboxPath: string;
  maxQueued: number;
  url: string;
  clientId: string;
  login?: MqttLogin;
  backoff: ReconnectBackoff;
}

/** To the forwarder thread. */
export type ToForwarder =
  | { kind: 'events'; items: Omit<OutboxItem, 'seq'>[] }
  | { kind: 'counters'; seq: number }
  | { kind: 'close' };

/** What the forwarder has done: the outbox's state plus the broker's. */
export interface EventForwarderCounters extends OutboxCounters {
  connected: boolean;
  /** Events the broker confirmed (QoS 1 PUBACK) and the outbox deleted. */
  forwarded: number;
  /** Publishes that failed (connection lost before the PUBACK); those events stay queued and go again. */
  failedPublishes: number;
  reconnects: number;
}

/** From the forwarder thread. */
export type FromForwarder =
  | { kind: 'ready' }
  | { kind: 'counters'; seq: number; counters: EventForwarderCounters }
  | { kind: 'log'; line: string }
  | { kind: 'closed' };
