/**
 * Where trip requests go. Vigil is a console, not a safety PLC: it asks a controller to stop the
 * machine. The interface is synchronous on purpose for the built-in actuator; networked actuators
 * (MQTT, Modbus, OPC UA, a later issue) return once the command is on the wire and report the
 * controller's acknowledgement separately.
 */
export interface TripCommand {
  assetId: string;
  /** Engine time (ms) at which the voted, delayed condition became true. */
  decidedAtMs: number;
  reason: string;
  /**
   * An operator stop's id: the host thread and the engine thread may both send the same stop
   * (see TripOutputStage), and the controller must get it once. Protection trips have none.
   */
  commandId?: string;
}

export interface TripReceipt {
  actuator: string;
  /** Wall-clock ms when the command was accepted. */
  commandedAtMs: number;
}

export interface Actuator {
  readonly name: string;
  requestTrip(cmd: TripCommand): TripReceipt;
}

/** A command as the built-in actuator recorded it. */
export interface RecordedTrip extends TripCommand, TripReceipt {
  /** process.hrtime.bigint() at acceptance, for latency measurement. */
  monotonicNs: bigint;
}

/**
 * The built-in actuator: records each command with its timestamp in memory. It stands where the
 * plant's controller will, so the trip path (decision → command) is exercised end to end.
 */
export class RecordingActuator implements Actuator {
  readonly name = 'builtin-recorder';
  readonly #trips: RecordedTrip[] = [];

  constructor(private readonly clock: () => number) {}

  requestTrip(cmd: TripCommand): TripReceipt {
    const receipt = { actuator: this.name, commandedAtMs: this.clock() };
    this.#trips.push({ ...cmd, ...receipt, monotonicNs: process.hrtime.bigint() });
    return receipt;
  }

  /** Everything commanded so far, oldest first. */
  trips(): readonly RecordedTrip[] {
    return this.#trips;
  }
}
