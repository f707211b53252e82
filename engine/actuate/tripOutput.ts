import type { Actuator, TripCommand } from './actuator';

/**
 * What the trip output stage answers for one command: when the actuator accepted it, or, for a
 * command id it has already sent for that asset, the first acceptance again (`duplicate`).
 */
export interface OutputReceipt {
  commandId: string | null;
  assetId: string;
  actuator: string;
  /** Wall-clock ms when the actuator accepted the command (the first time, for a duplicate). */
  commandedAtMs: number;
  /** process.hrtime.bigint() at that acceptance: the same clock in every thread of the process. */
  commandedNs: bigint;
  /** True when this command id had already been sent for this asset: nothing went out this time. */
  duplicate: boolean;
}

/** How many (command id, asset) pairs are remembered for deduplication (a stop of every asset of a large plant, many times over). */
export const REMEMBERED_COMMANDS = 4096;

/**
 * The one place trip commands leave Vigil for the controller. Two senders may send the same
 * operator stop: the host thread, the moment the e-stop arrives (on the role it last confirmed),
 * and the engine thread, which then latches and audits it. Both carry the stop's command id, so
 * the controller gets each stop once. A command without an id (a protection trip) always goes out.
 */
export class TripOutputStage {
  readonly #sent = new Map<string, OutputReceipt>();

  constructor(private readonly actuator: Actuator) {}

  get actuatorName(): string {
    return this.actuator.name;
  }

  /** Sends `cmd` to the actuator unless its command id was already sent for its asset. Throws what the actuator throws. */
  send(cmd: TripCommand): OutputReceipt {
    const key = cmd.commandId === undefined ? null : `${cmd.commandId}\u0000${cmd.assetId}`;
    const first = key === null ? undefined : this.#sent.get(key);
    if (first) return { ...first, duplicate: true };
    const r = this.actuator.requestTrip(cmd);
    const receipt: OutputReceipt = { commandId: cmd.commandId ?? null, assetId: cmd.assetId, actuator: r.actuator, commandedAtMs: r.commandedAtMs, commandedNs: process.hrtime.bigint(), duplicate: false };
    if (key !== null) {
      this.#sent.set(key, receipt);
      if (this.#sent.size > REMEMBERED_COMMANDS) this.#sent.delete(this.#sent.keys().next().value!);
    }
    return receipt;
  }
}
