/**
 * An engine process reduced to its heartbeat, for the tests that kill it or stall its thread: the
 * controller's watchdog must trip the plant in both cases, without the engine's help.
 * argv: <port> <periodMs> [<stallAfterMs> <stallMs>]
 * stdout: `CONNECTED`; with a stall, `STALL begin monoNs=<ns>` and `STALL end monoNs=<ns>` around a
 * busy loop that blocks the event loop (as a runaway computation or a long GC pause would).
 */
import { ModbusHeartbeat } from '../../../../engine/connect/modbus/ModbusHeartbeat';

const [port, periodMs, stallAfterMs, stallMs] = process.argv.slice(2).map(Number);
if (!port || !periodMs) throw new Error('usage: heartbeatChild <port> <periodMs> [<stallAfterMs> <stallMs>]');
const heartbeat = new ModbusHeartbeat({ host: '127.0.0.1', port, periodMs });
await heartbeat.whenConnected(5_000);
process.stdout.write('CONNECTED\n');
if (stallAfterMs && stallMs) {
  setTimeout(() => {
    const beginNs = process.hrtime.bigint();
    process.stdout.write(`STALL begin monoNs=${beginNs}\n`);
    while (process.hrtime.bigint() - beginNs < BigInt(stallMs) * 1_000_000n) {
      // blocked: no timer, no socket callback runs
    }
    process.stdout.write(`STALL end monoNs=${process.hrtime.bigint()}\n`);
  }, stallAfterMs);
}
