import type { Worker } from 'node:worker_threads';
import { TripOutputThread, type TripOutputThreadOptions } from '../actuate/TripOutputThread';
import { opcuaPkiFolder } from '../connect/opcua/opcuaPkiFolder';
import { requestIdOf, type ConsoleReply, type SessionInfo } from '../contract/console';
import type { PlantStatus } from '../contract/status';
import { startModuleWorker } from '../util/startModuleWorker';
import type { SignInOrigin, SignInOutcome } from './ConsoleHost';
import { EarlyStops } from './EarlyStops';
import type { ConsoleWorkerData, EngineCall, EngineCallResult, FromEngine, ToEngine } from './engineThreadProtocol';

/**
 * What a front end's transport (the WebSocket server, the Electron IPC bridge) needs of a console:
 * `ConsoleHost` in the same thread, or `EngineThread` for one in its own thread.
 */
export interface ConsolePort {
  signIn(input: unknown, origin: SignInOrigin): Promise<SignInOutcome>;
  setup(input: unknown, origin: SignInOrigin): Promise<SignInOutcome>;
  needsSetup(): boolean | Promise<boolean>;
  signOut(token: string): boolean | Promise<boolean>;
  /** Who each token is now (null: unknown, expired, disabled), in order. */
  sessions(tokens: readonly string[]): Array<SessionInfo | null> | Promise<Array<SessionInfo | null>>;
  handle(token: string | null, raw: unknown): Promise<ConsoleReply>;
}

/** What a front end shows about the engine thread; `detail` is the sentence it shows. */
export interface EngineNote {
  state: 'running' | 'restarting' | 'not-answering';
  detail: string;
}

/** Knobs of an `EngineThread`. */
export interface EngineThreadOptions extends ConsoleWorkerData {
  /** Without a status for this long the engine counts as not answering (default 3 s, six status periods). */
  silentAfterMs?: number;
  /**
   * A call without an answer for this long is rejected (default 150 s: a promotion waits for the
   * learner thread, a proposal for its backtest). Whether the engine answers at all is the note's job.
   */
  callTimeoutMs?: number;
  /** Start-up lines and the engine's log. */
  log?: (line: string) => void;
  /** Where the worker entry is: the caller's `import.meta.url` (default: this module's). */
  entryBaseUrl?: string;
  /** The worker entry's name beside `entryBaseUrl` (default `consoleWorker`; the Electron bundle names its own). */
  entryName?: string;
  /** How long a session's role, as the engine thread last confirmed it, lets an e-stop go out before the engine thread sees it (default 2 s; see EarlyStops). */
  roleTrustedMs?: number;
}

/** The trip output thread of an engine thread: the plant's outputs, or the built-in recorder. */
function outputOptions(o: EngineThreadOptions): TripOutputThreadOptions {
  return { ...(o.log ? { log: o.log } : {}), ...(o.plant ? { plant: o.plant.config, pkiFolder: opcuaPkiFolder(o.dbPath ?? '.vigil/demo.sqlite') } : {}) };
}

/** A call the engine thread did not answer: it died, stopped answering, or was stopped. */
export class EngineThreadError extends Error {
  constructor(
    readonly code: 'engine_not_answering' | 'engine_stopped',
    message: string,
  ) {
    super(message);
    this.name = 'EngineThreadError';
  }
}

interface Waiting {
  op: EngineCall['op'];
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The console's engine in a worker thread of its own (`consoleWorker.ts`), seen from the host
 * thread as a `ConsolePort` plus the latest status. Why a thread: the host thread serialises the
 * status for every screen, answers HTTP and relays IPC; none of that may delay a trip decision or
 * an emergency stop, which the engine thread sends to the actuator on the turn its message arrives.
 *
 * A call the engine thread does not answer within `callTimeoutMs` rejects with a sentence saying
 * so; a request whose reply never came may still have acted, and the console protocol's request
 * ids make a retry safe. When no status has arrived for `silentAfterMs` the note turns
 * 'not-answering'; if the thread dies every waiting call is rejected and `onExit` listeners decide
 * whether to start another (sessions were in the thread and end with it: people sign in again).
 */
export class EngineThread implements ConsolePort {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  readonly #statusListeners = new Set<(s: PlantStatus) => void>();
  readonly #noteListeners = new Set<(n: EngineNote) => void>();
  readonly #exitListeners = new Set<(reason: string) => void>();
  readonly #o: EngineThreadOptions;
  #seq = 0;
  #latest: PlantStatus | null = null;
  #lastHeardMs = Date.now();
  #note: EngineNote = { state: 'running', detail: 'starting' };
  #exited: string | null = null;
  #stopping: Promise<void> | null = null;
  readonly #watch: ReturnType<typeof setInterval>;
  #output: TripOutputThread;
  readonly #early: EarlyStops;

  private constructor(o: EngineThreadOptions, output: TripOutputThread, ready: (r: { machines: number; needsSetup: boolean } | Error) => void) {
    this.#o = o;
    this.#output = output;
    this.#early = new EarlyStops(output, o.roleTrustedMs === undefined ? {} : { roleTrustedMs: o.roleTrustedMs });
    this.#watchOutput(output);
    const link = output.engineLink();
    const data: ConsoleWorkerData = {
      output: link,
      ...(o.dbPath === undefined ? {} : { dbPath: o.dbPath }),
      ...(o.seed === undefined ? {} : { seed: o.seed }),
      ...(o.machineCount === undefined ? {} : { machineCount: o.machineCount }),
      ...(o.statusIntervalMs === undefined ? {} : { statusIntervalMs: o.statusIntervalMs }),
      ...(o.sessionTtlMs === undefined ? {} : { sessionTtlMs: o.sessionTtlMs }),
      ...(o.mqtt === undefined ? {} : { mqtt: o.mqtt }),
      ...(o.plant === undefined ? {} : { plant: o.plant }),
    };
    this.#worker = startModuleWorker(o.entryBaseUrl ?? import.meta.url, o.entryName ?? 'consoleWorker', { workerData: data, transferList: [link.port] });
    let started = false;
    this.#worker.on('message', (m: FromEngine) => {
      this.#lastHeardMs = Date.now();
      switch (m.kind) {
        case 'ready':
          started = true;
          ready({ machines: m.machines, needsSetup: m.needsSetup });
          break;
        case 'status':
          this.#latest = m.status;
          this.#setNote({ state: 'running', detail: 'answering' });
          for (const l of this.#statusListeners) l(m.status);
          break;
        case 'log':
          o.log?.(m.line);
          break;
        case 'result':
        case 'error': {
          const w = this.#waiting.get(m.seq);
          if (!w) break;
          this.#waiting.delete(m.seq);
          clearTimeout(w.timer);
          if (m.kind === 'result') w.resolve(m.value);
          else w.reject(new Error(m.message));
          break;
        }
        case 'failed':
          if (!started) ready(new Error(m.message));
          else o.log?.(`engine thread failed: ${m.message}`);
          break;
        case 'stopped':
          break;
      }
    });
    this.#worker.on('error', (err) => o.log?.(`engine thread error: ${err.stack ?? err.message}`));
    this.#worker.on('exit', (code) => {
      const reason = this.#stopping ? 'stopped' : `the engine thread exited with code ${code}`;
      this.#exited = reason;
      // Its sessions ended with it: a restarted engine comes with its own output thread.
      if (!this.#stopping) void this.#output.close();
      clearInterval(this.#watch);
      if (!started) ready(new Error(reason));
      for (const [seq, w] of this.#waiting) {
        clearTimeout(w.timer);
        w.reject(new EngineThreadError('engine_stopped', `${w.op}: ${reason} before answering; check the result before repeating it`));
        this.#waiting.delete(seq);
      }
      if (!this.#stopping) for (const l of this.#exitListeners) l(reason);
    });
    const silentAfterMs = o.silentAfterMs ?? 3000;
    this.#watch = setInterval(() => {
      const silentMs = Date.now() - this.#lastHeardMs;
      if (started && silentMs > silentAfterMs) this.#setNote({ state: 'not-answering', detail: `no word from the engine thread for ${(silentMs / 1000).toFixed(0)} s` });
    }, Math.min(500, silentAfterMs));
    this.#watch.unref();
  }

  /** Starts the trip output thread, then the engine thread, and resolves once its console is ready (store open, models restored). */
  static async start(o: EngineThreadOptions = {}): Promise<EngineThread> {
    const output = await TripOutputThread.start(outputOptions(o));
    return new Promise((resolve, reject) => {
      const t: EngineThread = new EngineThread(o, output, (r) => {
        if (r instanceof Error) {
          void output.close();
          reject(new Error(`the engine did not start: ${r.message}`));
        }
        else {
          o.log?.(`engine thread running: ${r.machines} machines${r.needsSetup ? '; no admin yet (first-run setup)' : ''}`);
          resolve(t);
        }
      });
    });
  }

  /** The latest status the engine thread sent, or null before the first. */
  status(): PlantStatus | null {
    return this.#latest;
  }

  /** Whether the engine answers; changes are told to `onNote` listeners. */
  note(): EngineNote {
    return this.#note;
  }

  onStatus(l: (s: PlantStatus) => void): () => void {
    this.#statusListeners.add(l);
    return () => this.#statusListeners.delete(l);
  }

  onNote(l: (n: EngineNote) => void): () => void {
    this.#noteListeners.add(l);
    return () => this.#noteListeners.delete(l);
  }

  /** Called once if the thread dies without being stopped, with why. */
  onExit(l: (reason: string) => void): () => void {
    this.#exitListeners.add(l);
    return () => this.#exitListeners.delete(l);
  }

  signIn(input: unknown, origin: SignInOrigin): Promise<SignInOutcome> {
    return this.#signedIn(this.#call({ op: 'signIn', input, origin }) as Promise<SignInOutcome>);
  }

  setup(input: unknown, origin: SignInOrigin): Promise<SignInOutcome> {
    return this.#signedIn(this.#call({ op: 'setup', input, origin }) as Promise<SignInOutcome>);
  }

  needsSetup(): Promise<boolean> {
    return this.#call({ op: 'needsSetup' }) as Promise<boolean>;
  }

  signOut(token: string): Promise<boolean> {
    this.#early.confirmed(token, null);
    return this.#call({ op: 'signOut', token }) as Promise<boolean>;
  }

  sessions(tokens: readonly string[]): Promise<Array<SessionInfo | null>> {
    const asked = [...tokens];
    return (this.#call({ op: 'sessions', tokens: asked }) as Promise<EngineCallResult['sessions']>).then((who) => {
      asked.forEach((t, i) => this.#early.confirmed(t, who[i] ?? null));
      return who;
    });
  }

  /**
   * One console-protocol message; never rejects: a thread that does not answer becomes an error
   * reply. An e-stop from a session whose role was confirmed a moment ago goes to the trip output
   * thread before the engine thread sees it (EarlyStops), and every e-stop is answered with the
   * actuator's own receipts.
   */
  handle(token: string | null, raw: unknown): Promise<ConsoleReply> {
    const arrivalNs = process.hrtime.bigint();
    // Only a trip request can go early, and only its reply carries receipts to complete.
    const isTrip = typeof raw === 'object' && raw !== null && (raw as { method?: unknown }).method === 'trip';
    const early = isTrip ? this.#early.send(token, raw, this.#latest?.assets.map((a) => a.assetId) ?? []) : null;
    const reply = (this.#call({ op: 'handle', token, raw, ...(early ? { sent: early.sent } : {}) }) as Promise<ConsoleReply>).catch((err: unknown) => ({
      type: 'reply' as const,
      id: requestIdOf(raw),
      ok: false as const,
      error: { code: err instanceof EngineThreadError ? err.code : 'failed', message: err instanceof Error ? err.message : String(err) },
    }));
    return isTrip ? reply.then((r) => this.#early.answer(r, arrivalNs, early)) : reply;
  }

  /** What the trip output thread's built-in recorder has commanded, oldest first. */
  commandedTrips(): ReturnType<TripOutputThread['trips']> {
    return this.#output.trips();
  }

  /** Stops the plant and the engine, flushes the store, ends the engine thread and then the trip output thread. */
  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      if (this.#exited) return resolve();
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage({ kind: 'stop' } satisfies ToEngine);
      // A thread that cannot stop in time is ended: its store writes are journaled (WAL) and reconciled at restart.
      setTimeout(() => void this.#worker.terminate(), 60_000).unref();
    }).then(() => this.#output.close());
    return this.#stopping;
  }

  /**
   * The trip output thread should never die; if it does, another is started and the engine
   * thread given its port, and the log says so. Commands posted in between are lost, which is
   * why a plant's controller watches a heartbeat as well.
   */
  #watchOutput(output: TripOutputThread): void {
    output.onExit((reason) => {
      if (this.#stopping || this.#exited) return;
      this.#o.log?.(`${reason}: starting another; trips posted meanwhile may be lost`);
      TripOutputThread.start(outputOptions(this.#o)).then(
        (next) => {
          if (this.#stopping || this.#exited) return void next.close();
          this.#output = next;
          this.#early.setOutput(next);
          this.#watchOutput(next);
          const link = next.engineLink();
          this.#worker.postMessage({ kind: 'output', link } satisfies ToEngine, [link.port]);
        },
        (err: unknown) => this.#o.log?.(`the trip output thread did not restart: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
  }

  #signedIn(outcome: Promise<SignInOutcome>): Promise<SignInOutcome> {
    return outcome.then((o) => {
      if (o.ok) this.#early.confirmed(o.reply.token, o.reply.session);
      return o;
    });
  }

  /** Ends the thread at once, as a crash would (for tests of what the console shows then). */
  kill(): Promise<number> {
    return this.#worker.terminate();
  }

  #call(call: EngineCall): Promise<unknown> {
    if (this.#exited) return Promise.reject(new EngineThreadError('engine_stopped', `${call.op}: ${this.#exited}`));
    const seq = ++this.#seq;
    const timeoutMs = this.#o.callTimeoutMs ?? 150_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(seq);
        reject(new EngineThreadError('engine_not_answering', `${call.op}: the engine thread did not answer within ${timeoutMs / 1000} s; check the result before repeating it`));
      }, timeoutMs);
      this.#waiting.set(seq, { op: call.op, resolve, reject, timer });
      try {
        this.#worker.postMessage({ kind: 'call', seq, call } satisfies ToEngine);
      } catch (err) {
        this.#waiting.delete(seq);
        clearTimeout(timer);
        reject(new Error(`${call.op}: the message could not be passed to the engine thread (${err instanceof Error ? err.message : String(err)})`));
      }
    });
  }

  #setNote(n: EngineNote): void {
    if (n.state === this.#note.state) return;
    this.#note = n;
    for (const l of this.#noteListeners) l(n);
  }
}
