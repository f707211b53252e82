import type { ClientSession, OPCUACertificateManager, OPCUAClient } from 'node-opcua';
import { backoffDelayMs, backoffPolicy, type BackoffPolicy } from '../modbus/backoff';
import { loadNodeOpcua, type NodeOpcua } from './nodeOpcua';

/** OPC UA message security, as the plant config names it. */
export type OpcuaSecurityMode = 'None' | 'Sign' | 'SignAndEncrypt';

/** Security policies worth offering today; the SHA-1 and RSA-15 ones are deprecated by the OPC Foundation. */
export type OpcuaSecurityPolicy = 'Basic256Sha256' | 'Aes128_Sha256_RsaOaep' | 'Aes256_Sha256_RsaPss';

/** How to reach an OPC UA server; shared by the source and the trip output. */
export interface OpcuaLinkOptions {
  /** opc.tcp://host:port/path */
  endpointUrl: string;
  /** 'None' by default, as in the plant config. */
  securityMode?: OpcuaSecurityMode;
  /** Used with Sign / SignAndEncrypt; Basic256Sha256 by default (the one every server offers). */
  securityPolicy?: OpcuaSecurityPolicy;
  /**
   * Folder of the client's certificate store (own/, trusted/, rejected/). The client creates its
   * certificate there on first use; for Sign modes, put the server's certificate in
   * `trusted/certs` (an unknown server certificate is rejected, not trusted on first sight).
   * Absent: node-opcua's per-user config folder (under ~/.config), which a service account may not have.
   */
  pkiFolder?: string;
  /** Name the server shows for this client; 'Vigil' by default. */
  applicationName?: string;
  /**
   * Wait before the first reconnection attempt (default 250 ms), doubled per failed attempt up to
   * `maxDelayMs` (default 10 s), retried for ever: a plant full of engines must not flood a
   * server that is coming back, yet must be back within seconds once it is.
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How long node-opcua lets a request go unanswered before failing it (default 5000 ms; node-opcua never goes below 5 s). */
  requestTimeoutMs?: number;
  /** Session timeout asked of the server (default 60 s): how long it keeps our session across an outage. */
  sessionTimeoutMs?: number;
  /** Send a Read every few seconds when nothing else keeps the session busy (the trip output has no subscription). */
  keepSessionAlive?: boolean;
  /** One line per connection event (lost, back, setup failed); nothing by default. */
  log?: (line: string) => void;
}

/** Connection history, for the health view and the tests' bounds. */
export interface OpcuaLinkCounters {
  /** Sessions established: the first, and one per re-establishment after a loss. */
  connects: number;
  /** Connections lost after being established. */
  disconnects: number;
  /** Connections re-established after a loss (session and subscription repaired by node-opcua). */
  reconnects: number;
  /** Connection attempts that failed and were retried after a back-off (at start-up or after a loss). */
  reconnectAttempts: number;
  /** Session set-ups that failed after the connection was made (refused session, subscription), each retried. */
  setupFailures: number;
  lastError: string | null;
}

/** What the owner of a link does with each session, and hears about its connection. */
export interface OpcuaLinkHooks {
  /** A new session is open (first connection, or after a set-up failure): set up what it needs. Throwing retries the whole connection. */
  onSession?(session: ClientSession, opcua: NodeOpcua): Promise<void>;
  /** The connection is back after a loss, session and subscriptions repaired: re-check what the session needs. The link counts as up once this settles. */
  onUp?(session: ClientSession, opcua: NodeOpcua): Promise<void>;
  /** The connection was lost; node-opcua is reconnecting. */
  onDown?(reason: string): void;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * One OPC UA client and its session, kept connected. The first connection is made in the
 * background (a server that is not up yet is waited for, with back-off); once it is, node-opcua's
 * own reconnection takes over: after a fixed 1 s pause of its own it reopens the channel with the
 * same bounded back-off, reactivates or recreates the session and transfers or recreates the
 * subscriptions, so a server restart needs nothing from the owner but `onUp` to re-check what it
 * monitors. A set-up that fails after connecting (session refused, subscription refused) closes
 * the client and starts over.
 *
 * The certificate store lives in `pkiFolder`, and the store's file watchers are released on
 * `dispose()`, so a disposed link leaves no handle behind.
 */
export class OpcuaLink {
  readonly endpointUrl: string;
  readonly #o: OpcuaLinkOptions;
  readonly #hooks: OpcuaLinkHooks;
  readonly #policy: BackoffPolicy;
  readonly #c: OpcuaLinkCounters = { connects: 0, disconnects: 0, reconnects: 0, reconnectAttempts: 0, setupFailures: 0, lastError: null };
  readonly #waiters = new Set<() => void>();
  #opcua: NodeOpcua | null = null;
  #client: OPCUAClient | null = null;
  #certificates: OPCUACertificateManager | null = null;
  #session: ClientSession | null = null;
  #up = false;
  /** The current client's session is set up (onSession done): only then may a re-established connection count as up. */
  #ready = false;
  /** A re-established connection whose `onUp` is still running; cleared if it is lost again meanwhile. */
  #restoring = false;
  #disposed = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryWake: (() => void) | null = null;
  readonly #running: Promise<void>;

  constructor(o: OpcuaLinkOptions, hooks: OpcuaLinkHooks = {}) {
    this.endpointUrl = o.endpointUrl;
    this.#o = o;
    this.#hooks = hooks;
    this.#policy = backoffPolicy({ initialMs: o.reconnect?.initialDelayMs ?? 250, maxMs: o.reconnect?.maxDelayMs ?? 10_000 });
    this.#running = this.#run();
  }

  /** The session while the connection is up; null while connecting, reconnecting or disposed. */
  session(): ClientSession | null {
    return this.#up ? this.#session : null;
  }

  /** node-opcua, once loaded (it is, whenever `session()` is not null). */
  opcua(): NodeOpcua | null {
    return this.#opcua;
  }

  /** Resolves once the connection is up (start-up, tests); rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.#up) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        reject(new Error(`no OPC UA connection to ${this.endpointUrl} within ${timeoutMs} ms (${this.describe()})`));
      }, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Counters so far (a copy). */
  counters(): OpcuaLinkCounters {
    return { ...this.#c };
  }

  /** The connection's state in words, for errors and logs. */
  describe(): string {
    if (this.#disposed) return 'disposed';
    if (this.#up) return `connected to ${this.endpointUrl}`;
    const last = this.#c.lastError ? `; last error: ${this.#c.lastError}` : '';
    return `${this.#c.connects === 0 ? 'connecting' : 'reconnecting'} to ${this.endpointUrl}, ${this.#c.reconnectAttempts} attempts so far${last}`;
  }

  /** Closes the session and the connection and stops reconnecting; resolves when every handle is released. Idempotent. */
  async dispose(): Promise<void> {
    if (!this.#disposed) {
      this.#disposed = true;
      this.#up = false;
      if (this.#retryTimer) clearTimeout(this.#retryTimer);
      this.#retryWake?.();
      await this.#close();
    }
    await this.#running;
    await this.#certificates?.dispose().catch(() => {});
    this.#certificates = null;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#disposed) {
      try {
        await this.#connectOnce();
        return;
      } catch (err) {
        await this.#close();
        if (this.#disposed) return;
        this.#c.setupFailures++;
        this.#c.lastError = message(err);
        const delayMs = backoffDelayMs(failures++, this.#policy, Math.random);
        this.#o.log?.(`opcua ${this.endpointUrl}: setting up the session failed (${message(err)}); retrying in ${Math.round(delayMs)} ms`);
        await new Promise<void>((resolve) => {
          this.#retryWake = resolve;
          this.#retryTimer = setTimeout(resolve, delayMs);
        });
        this.#retryTimer = null;
        this.#retryWake = null;
      }
    }
  }

  async #connectOnce(): Promise<void> {
    const opcua = (this.#opcua ??= await loadNodeOpcua());
    if (this.#disposed) return;
    if (!this.#certificates && this.#o.pkiFolder) {
      // Unknown server certificates are rejected: trusting whatever answers would defeat Sign modes.
      this.#certificates = new opcua.OPCUACertificateManager({ rootFolder: this.#o.pkiFolder, automaticallyAcceptUnknownCertificate: false });
    }
    const mode = this.#o.securityMode ?? 'None';
    const client = opcua.OPCUAClient.create({
      applicationName: this.#o.applicationName ?? 'Vigil',
      clientName: `vigil ${this.endpointUrl}`,
      endpointMustExist: false,
      securityMode: opcua.MessageSecurityMode[mode],
      securityPolicy: mode === 'None' ? opcua.SecurityPolicy.None : opcua.SecurityPolicy[this.#o.securityPolicy ?? 'Basic256Sha256'],
      connectionStrategy: { initialDelay: this.#policy.initialMs, maxDelay: this.#policy.maxMs, maxRetry: -1 },
      requestedSessionTimeout: this.#o.sessionTimeoutMs ?? 60_000,
      defaultTransactionTimeout: this.#o.requestTimeoutMs ?? 5000,
      keepSessionAlive: this.#o.keepSessionAlive ?? false,
      ...(this.#certificates ? { clientCertificateManager: this.#certificates } : {}),
    });
    this.#client = client;
    client.on('backoff', () => void this.#c.reconnectAttempts++);
    client.on('connection_failed', (err) => void (this.#c.lastError = message(err)));
    client.on('reconnection_attempt_has_failed', (err) => void (this.#c.lastError = message(err)));
    client.on('connection_lost', () => this.#lost());
    client.on('connection_reestablished', () => void this.#back());
    await client.connect(this.endpointUrl);
    if (this.#disposed) return;
    const session = await client.createSession();
    this.#session = session;
    if (this.#disposed) return;
    await this.#hooks.onSession?.(session, opcua);
    if (this.#disposed) return;
    this.#ready = true;
    // A connection lost during set-up is being repaired by node-opcua; #back marks it up when it is.
    if (client.isReconnecting) return;
    this.#c.connects++;
    this.#up = true;
    this.#o.log?.(`opcua ${this.endpointUrl}: connected`);
    for (const w of [...this.#waiters]) w();
  }

  #lost(): void {
    if (this.#disposed || !(this.#up || this.#restoring)) return;
    this.#up = false;
    this.#restoring = false;
    this.#c.disconnects++;
    this.#o.log?.(`opcua ${this.endpointUrl}: connection lost; reconnecting`);
    this.#hooks.onDown?.('connection to the server lost');
  }

  async #back(): Promise<void> {
    const session = this.#session;
    const opcua = this.#opcua;
    if (this.#disposed || !this.#ready || !session || !opcua) return;
    this.#c.reconnects++;
    this.#restoring = true;
    try {
      await this.#hooks.onUp?.(session, opcua);
    } catch (err) {
      this.#c.lastError = message(err);
      this.#o.log?.(`opcua ${this.endpointUrl}: re-checking the session after the reconnection failed: ${message(err)}`);
    }
    if (this.#disposed || !this.#restoring || session !== this.#session) return; // lost again meanwhile
    this.#restoring = false;
    this.#c.connects++;
    this.#up = true;
    this.#o.log?.(`opcua ${this.endpointUrl}: connection re-established`);
    for (const w of [...this.#waiters]) w();
  }

  async #close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#session = null;
    this.#up = false;
    this.#ready = false;
    this.#restoring = false;
    if (!client) return;
    // disconnect() closes the session first; a server that is gone fails that at once.
    await client.disconnect().catch(() => {});
    client.removeAllListeners();
  }
}
