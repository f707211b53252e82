import type { Actuator, RecordingActuator, TripCommand, TripReceipt } from './actuator';

/** One trip output and the assets it trips ('all': every asset of the plant). */
export interface TripRoute {
  actuator: Actuator;
  assets: ReadonlySet<string> | 'all';
}

/** Outputs that refused an asset's command while at least one other took it. */
export interface PartialFailure {
  cmd: TripCommand;
  accepted: string[];
  failed: string[];
}

/**
 * A plant's trip outputs seen as one actuator: each command goes to every output that trips its
 * asset (an MQTT command to the controller and a hard-wired relay coil, say), in the order the
 * plant file lists them, on the same turn. Why every output and not the first that works: a plant
 * lists two outputs for an asset because it wants both paths, and a trip is not the place to
 * economise on messages.
 *
 * The command counts as sent when at least one output took it; outputs that refused it are
 * reported through `onPartialFailure` (a person must know one path is down). When none took it,
 * `requestTrip` throws with every output's reason, so the caller records that the trip did NOT go
 * out. An asset no output covers (a plant with `outputs: none`) is only recorded: Vigil monitors
 * it and trips nothing. Every command that went out, or was only recorded, is also kept by
 * `recorder`, the console's own list of what it commanded.
 */
export class FanOutActuator implements Actuator {
  readonly name: string;

  constructor(
    private readonly routes: readonly TripRoute[],
    private readonly recorder: RecordingActuator,
    private readonly onPartialFailure: (f: PartialFailure) => void = () => {},
  ) {
    this.name = routes.length === 0 ? 'none (monitoring only)' : routes.map((r) => r.actuator.name).join(' + ');
  }

  requestTrip(cmd: TripCommand): TripReceipt {
    const accepted: TripReceipt[] = [];
    const failed: string[] = [];
    let covered = false;
    for (const r of this.routes) {
      if (r.assets !== 'all' && !r.assets.has(cmd.assetId)) continue;
      covered = true;
      try {
        accepted.push(r.actuator.requestTrip(cmd));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        failed.push(message.startsWith(`${r.actuator.name}:`) ? message : `${r.actuator.name}: ${message}`);
      }
    }
    if (!covered) {
      const r = this.recorder.requestTrip(cmd);
      return { actuator: 'none (monitoring only: no trip output for this asset)', commandedAtMs: r.commandedAtMs };
    }
    if (accepted.length === 0) throw new Error(`no trip output took the command for ${cmd.assetId}: ${failed.join('; ')}`);
    this.recorder.requestTrip(cmd);
    if (failed.length > 0) this.onPartialFailure({ cmd, accepted: accepted.map((a) => a.actuator), failed });
    return { actuator: accepted.map((a) => a.actuator).join(' + '), commandedAtMs: accepted[0]!.commandedAtMs };
  }
}
