import type { AssetConfig } from '../contract/asset';
import type { PlantConfig } from '../config/plant/plantConfigSchema';
import type { ConsoleReply, SessionInfo } from '../contract/console';
import type { PlantStatus } from '../contract/status';
import type { OutputLink } from '../actuate/tripOutputProtocol';
import type { HostSentStop, SignInOrigin, SignInOutcome } from './ConsoleHost';

/**
 * The messages between a host thread (the Electron main process, `vigil serve`'s HTTP server) and
 * the engine thread that runs the console (`consoleWorker.ts`). Both ends are this program's own
 * code, so the messages are typed, not parsed: untrusted input (a WebSocket frame, an IPC message)
 * has been turned into a plain value by the host thread and is parsed by `ConsoleHost` on arrival.
 */

/** What the host thread passes when it starts the engine thread. */
export interface ConsoleWorkerData {
  /** SQLite file; ':memory:' keeps nothing. */
  dbPath?: string;
  seed?: number;
  /** Machines of the demo plant (default seven); the benchmark runs 32. */
  machineCount?: number;
  /** Status snapshot period (ms). */
  statusIntervalMs?: number;
  /** Session lifetime (ms); default the host's 12 h. */
  sessionTtlMs?: number;
  /** The plant's data through an MQTT broker: `{}` for the embedded one (see DemoConsoleOptions.mqtt). */
  mqtt?: { url?: string };
  /**
   * A configured plant (`vigil serve --plant FILE`, loaded and checked by the host thread) instead
   * of the demo plant: its sources feed the engine, its watchdog beats from the engine thread, and
   * its trip outputs live in the trip output thread.
   */
  plant?: { config: PlantConfig; assets: AssetConfig[]; engineId?: string };
  /** The trip output thread's port (transferred): trips go there; without it, to a recorder in the engine thread. */
  output?: OutputLink;
}

/** One call of the host's console API, answered by a `result` with the same `seq`. */
export type EngineCall =
  | { op: 'signIn'; input: unknown; origin: SignInOrigin }
  | { op: 'setup'; input: unknown; origin: SignInOrigin }
  | { op: 'needsSetup' }
  | { op: 'signOut'; token: string }
  | { op: 'sessions'; tokens: string[] }
  /** `sent`: the host thread already sent this trip request's stop to the output thread. */
  | { op: 'handle'; token: string | null; raw: unknown; sent?: HostSentStop };

/** What each call resolves with. */
export interface EngineCallResult {
  signIn: SignInOutcome;
  setup: SignInOutcome;
  needsSetup: boolean;
  signOut: boolean;
  /** One entry per token asked, in order: who it is now, or null. */
  sessions: Array<SessionInfo | null>;
  handle: ConsoleReply;
}

export type ToEngine =
  | { kind: 'call'; seq: number; call: EngineCall }
  /** A restarted trip output thread's port, replacing the last. */
  | { kind: 'output'; link: OutputLink }
  | { kind: 'stop' };

export type FromEngine =
  | { kind: 'ready'; machines: number; needsSetup: boolean }
  | { kind: 'status'; status: PlantStatus }
  | { kind: 'log'; line: string }
  | { kind: 'result'; seq: number; value: unknown }
  | { kind: 'error'; seq: number; message: string }
  /** Start-up failed (store unreadable, configuration refused): the thread exits after this. */
  | { kind: 'failed'; message: string }
  | { kind: 'stopped' };
