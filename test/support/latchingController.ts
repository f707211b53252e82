import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Actuator, TripCommand, TripReceipt } from '../../engine/actuate/actuator';
import type { LatchedTrip } from '../../engine/incident/reconcileTrips';

/**
 * Plays the plant controller in durability tests: each trip command is latched in an append-only
 * file, fsync'd before the command returns, so the latch survives the console being killed — as a
 * PLC's latched trip survives the workstation. Not a product actuator (MQTT/Modbus/OPC UA are).
 */
export class FileLatchController implements Actuator {
  readonly name = 'test-controller';
  private readonly fd: number;

  constructor(path: string, private readonly clock: () => number) {
    this.fd = openSync(path, 'a');
  }

  requestTrip(cmd: TripCommand): TripReceipt {
    const commandedAtMs = this.clock();
    const line: LatchedTrip = { assetId: cmd.assetId, decidedAtMs: cmd.decidedAtMs, commandedAtMs, reason: cmd.reason, actuator: this.name };
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    fsyncSync(this.fd);
    return { actuator: this.name, commandedAtMs };
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The controller's latched trips; a torn last line (killed mid-write) is not a latched trip. */
export function readLatches(path: string): LatchedTrip[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        return l ? [JSON.parse(l) as LatchedTrip] : [];
      } catch {
        return [];
      }
    });
}
