import type { Actuator, TripCommand, TripReceipt } from './actuator';
import type { ConnectionStatus } from '../contract/status';
import type { EngineToOutput, OutputLink, OutputToEngine } from './tripOutputProtocol';

/**
 * The engine thread's actuator when a trip output thread owns the real one: each command is
 * posted to that thread on the turn it is decided and goes out on the turn it arrives there. The
 * receipt is the hand-over (`commandedAtMs` is when it was posted); the output thread reports
 * the actuator's own acceptance to its starter, which puts it in the operator's answer.
 */
export class PortActuator implements Actuator {
  readonly name: string;
  #outputs: ConnectionStatus[] = [];

  constructor(
    private link: OutputLink,
    private readonly clock: () => number,
  ) {
    this.name = `${link.actuator} (trip output thread)`;
    this.#listen(link);
  }

  /** After the output thread was restarted: the next commands go to its new port. */
  relink(link: OutputLink): void {
    this.link.port.close();
    this.link = link;
    this.#listen(link);
  }

  /** The plant's trip outputs as the output thread last reported them (empty for the built-in recorder). */
  outputs(): ConnectionStatus[] {
    return this.#outputs;
  }

  #listen(link: OutputLink): void {
    link.port.on('message', (m: OutputToEngine) => {
      if (m.kind === 'outputs') this.#outputs = m.outputs;
    });
    // Listening must not keep the engine thread alive on its own.
    link.port.unref();
  }

  requestTrip(cmd: TripCommand): TripReceipt {
    this.link.port.postMessage({ kind: 'trip', cmd } satisfies EngineToOutput);
    return { actuator: this.name, commandedAtMs: this.clock() };
  }
}
