import type { Actuator, TripCommand, TripReceipt } from './actuator';

/**
 * Scale-out's guard on the trip path: a protection trip of an asset this engine does not run (its
 * lease expired or moved while a window was in flight) is refused, because the engine that runs
 * the asset now decides its trips, and two engines tripping one event is what leases prevent.
 * Operator stops (with a command id) always go through: stopping a machine is the safe direction,
 * and a person at this console must be able to stop any machine of the plant.
 */
export class LeaseGate implements Actuator {
  readonly name: string;
  #holds: (assetId: string) => boolean = () => false;
  #refused = 0;

  constructor(private readonly inner: Actuator) {
    this.name = inner.name;
  }

  /** Where holding is decided (the engine's leases, once they run; until then nothing is held). */
  follow(holds: (assetId: string) => boolean): void {
    this.#holds = holds;
  }

  /** Protection trips refused because another engine (or none) ran the asset. */
  get refused(): number {
    return this.#refused;
  }

  requestTrip(cmd: TripCommand): TripReceipt {
    if (cmd.commandId === undefined && !this.#holds(cmd.assetId)) {
      this.#refused++;
      throw new Error(`${cmd.assetId} is not run by this engine now (its lease is elsewhere or expired): protection trip NOT sent from here; the engine running it decides`);
    }
    return this.inner.requestTrip(cmd);
  }
}
