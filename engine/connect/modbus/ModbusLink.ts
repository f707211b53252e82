import { Socket } from 'node:net';
import Modbus, { type ModbusTCPClient } from 'jsmodbus';
import { backoffDelayMs, backoffPolicy, type BackoffPolicy } from './backoff';

/** Where a controller listens, and how long one Modbus request may take there. */
export interface ModbusEndpoint {
  host: string;
  port: number;
  /** Modbus unit id (slave address); 1 unless the controller or its gateway says otherwise. */
  unitId?: number;
  /** A request without a reply after this long fails with a timeout (and the link reconnects). */
  requestTimeoutMs?: number;
  /** A connect that has neither succeeded nor been refused after this long is abandoned. */
  connectTimeoutMs?: number;
}

/** Options of a `ModbusLink`: the endpoint plus the reconnect behaviour. */
export interface ModbusLinkOptions extends ModbusEndpoint {
  /** For error messages: whose link this is ("trip output", "heartbeat"). */
  name: string;
  backoff?: Partial<BackoffPolicy>;
  /** A connection that lived at least this long resets the back-off; a shorter one counts as a failure. */
  stableMs?: number;
  /** 0 ≤ r < 1, for the back-off jitter; pass a seeded one in tests. */
  random?: () => number;
}

/**
 * One TCP connection with its jsmodbus client. It never comes back after `closed`: the link makes
 * a fresh socket and client for every attempt, so a late reply can never be taken for an answer
 * on a newer connection.
 */
export interface ModbusConnection {
  readonly client: ModbusTCPClient;
  /** 1 for the first connection of the link, 2 after the first reconnect, ... */
  readonly serial: number;
  readonly closed: boolean;
}

/** What a link has done so far; for dashboards and for the tests' bounds on reconnect attempts. */
export interface ModbusLinkCounters {
  connectAttempts: number;
  connects: number;
  /** Connects after the first one. */
  reconnects: number;
  disconnects: number;
  lastError: string | null;
}

type State = 'connecting' | 'connected' | 'waiting' | 'disposed';

interface Conn extends ModbusConnection {
  closed: boolean;
  readonly socket: Socket;
  connectedAtMs: number | null;
}

/**
 * A Modbus TCP connection that stays up by itself: it connects at construction, and when the
 * controller goes away it reconnects with exponential back-off and jitter until disposed. Callers
 * never wait for it: `current()` is the live connection or null, so a trip is either on the wire
 * at once or refused at once, never parked behind a reconnect.
 */
export class ModbusLink {
  readonly #o: Required<Omit<ModbusLinkOptions, 'backoff'>> & { backoff: BackoffPolicy };
  #state: State = 'connecting';
  #conn: Conn | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;
  #nextAttemptAtMs: number | null = null;
  readonly #counters: ModbusLinkCounters = { connectAttempts: 0, connects: 0, reconnects: 0, disconnects: 0, lastError: null };
  readonly #waiters = new Set<() => void>();

  constructor(o: ModbusLinkOptions) {
    const unitId = o.unitId ?? 1;
    if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) throw new Error(`${o.name}: unitId must be 0..255, got ${unitId}`);
    this.#o = {
      name: o.name,
      host: o.host,
      port: o.port,
      unitId,
      requestTimeoutMs: o.requestTimeoutMs ?? 500,
      connectTimeoutMs: o.connectTimeoutMs ?? 2000,
      stableMs: o.stableMs ?? 1000,
      random: o.random ?? Math.random,
      backoff: backoffPolicy(o.backoff),
    };
    this.#connect();
  }

  /** The live connection, or null while connecting, backing off, or after dispose. */
  current(): ModbusConnection | null {
    return this.#state === 'connected' ? this.#conn : null;
  }

  /** Counters so far (a copy). */
  counters(): ModbusLinkCounters {
    return { ...this.#counters };
  }

  /** Where the link stands, in words, for the Error a refused command carries. */
  describe(): string {
    const at = `${this.#o.host}:${this.#o.port}`;
    if (this.#state === 'waiting') {
      const inMs = Math.max(0, Math.round((this.#nextAttemptAtMs ?? Date.now()) - Date.now()));
      return `${at} unreachable (${this.#failures} failed attempts, last error: ${this.#counters.lastError ?? 'none'}); next attempt in ${inMs} ms`;
    }
    return `${at} ${this.#state}`;
  }

  /** Resolves once connected; rejects after `timeoutMs` or on dispose. For start-up and tests. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        if (this.#state === 'connected') resolve();
        else reject(new Error(`${this.#o.name}: ${this.describe()}`));
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /**
   * Closes the current connection because its stream can no longer be trusted (a request timed
   * out, so its late reply could arrive as the answer to the next one); the link reconnects.
   */
  drop(reason: string): void {
    const c = this.#conn;
    if (!c || c.closed) return;
    this.#counters.lastError = reason;
    c.socket.destroy();
  }

  /** Closes the socket and stops reconnecting; pending requests fail as disconnected. Idempotent. */
  dispose(): void {
    if (this.#state === 'disposed') return;
    this.#state = 'disposed';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#conn?.socket.destroy();
    for (const w of [...this.#waiters]) w();
  }

  #connect(): void {
    this.#timer = null;
    this.#nextAttemptAtMs = null;
    this.#state = 'connecting';
    this.#counters.connectAttempts++;
    const socket = new Socket();
    // The client is built before connecting so that it sees the 'connect' event and goes online.
    const client = new Modbus.client.TCP(socket, this.#o.unitId, this.#o.requestTimeoutMs);
    const conn: Conn = { client, socket, serial: this.#counters.connectAttempts, closed: false, connectedAtMs: null };
    this.#conn = conn;
    socket.setNoDelay(true);
    const connectTimer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.#o.connectTimeoutMs} ms`)), this.#o.connectTimeoutMs);
    socket.on('error', (err) => (this.#counters.lastError = err.message));
    socket.once('connect', () => {
      clearTimeout(connectTimer);
      if (this.#state === 'disposed') return;
      conn.connectedAtMs = performance.now();
      this.#state = 'connected';
      this.#counters.connects++;
      if (this.#counters.connects > 1) this.#counters.reconnects++;
      for (const w of [...this.#waiters]) w();
    });
    socket.once('close', () => {
      clearTimeout(connectTimer);
      // Marked before any pending request's rejection is handled: those run as microtasks later.
      conn.closed = true;
      if (this.#conn === conn) this.#conn = null;
      if (conn.connectedAtMs !== null) this.#counters.disconnects++;
      if (this.#state === 'disposed') return;
      const livedMs = conn.connectedAtMs === null ? 0 : performance.now() - conn.connectedAtMs;
      if (livedMs >= this.#o.stableMs) this.#failures = 0;
      const delayMs = backoffDelayMs(this.#failures, this.#o.backoff, this.#o.random);
      this.#failures++;
      this.#state = 'waiting';
      this.#nextAttemptAtMs = Date.now() + delayMs;
      this.#timer = setTimeout(() => this.#connect(), delayMs);
    });
    socket.connect({ host: this.#o.host, port: this.#o.port });
  }
}
