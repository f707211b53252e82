import type { MessagePort } from 'node:worker_threads';
import type { PlantConfig } from '../config/plant/plantConfigSchema';
import type { ConnectionStatus } from '../contract/status';
import type { RecordedTrip, TripCommand } from './actuator';
import type { OutputReceipt } from './tripOutput';

/**
 * The messages of the trip output thread (`tripOutputWorker.ts`). Its starter (the host thread,
 * through `TripOutputThread`) sends operator stops and questions; the engine thread sends every
 * trip it decides through a port of its own (`PortActuator`). All three ends are this program's
 * code, so the messages are typed, not parsed.
 */

/** From the host thread. */
export type ToOutput =
  /** An operator's stop of `assetIds`, authorised by the host on the role it last confirmed. */
  | { kind: 'stop'; commandId: string; assetIds: string[]; decidedAtMs: number; reason: string }
  /** What the built-in recorder has commanded (for tests and diagnostics), answered by `trips`. */
  | { kind: 'trips'; seq: number }
  /** A (re)started engine thread's port, replacing the last one. */
  | { kind: 'engine'; port: MessagePort }
  | { kind: 'close' };

/** From the engine thread's port. */
export interface EngineToOutput {
  kind: 'trip';
  cmd: TripCommand;
}

/** To the engine thread, on its port: the plant's trip outputs and whether each is connected, once a second. */
export interface OutputToEngine {
  kind: 'outputs';
  outputs: ConnectionStatus[];
}

/** To the host thread. */
export type FromOutput =
  | { kind: 'ready'; actuator: string }
  /** Receipts of commands that carry a command id (operator stops), whoever sent them. */
  | { kind: 'commanded'; receipts: OutputReceipt[] }
  /** The actuator refused or failed a command: the stop did not go out. */
  | { kind: 'failed'; commandId: string | null; assetId: string; message: string }
  | { kind: 'trips'; seq: number; trips: RecordedTrip[] }
  /** What the plant's outputs report: connections, acknowledgements, verifications, escalations. */
  | { kind: 'log'; line: string };

/** What the trip output thread is started with. */
export interface TripOutputWorkerData {
  /** The plant whose trip outputs the thread owns; absent: the built-in recorder (the demo plant). */
  plant?: PlantConfig;
  /** The OPC UA client's certificate store, beside the console's store. */
  pkiFolder?: string;
}

/** What the engine thread is given to reach the output thread: the port, and the actuator's name for its receipts. */
export interface OutputLink {
  port: MessagePort;
  actuator: string;
}
