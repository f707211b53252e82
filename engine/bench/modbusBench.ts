import { ModbusTripOutput, type ModbusTripOutcome } from '../connect/modbus/ModbusTripOutput';
import { modbusControllerUnavailable, parseControllerEvents, startModbusController } from '../connect/modbus/modbusController';
import { percentile, round } from './stats';

type Metrics = Record<string, number>;

/**
 * Phase: trips to a real Modbus TCP controller (pymodbus on loopback, the same peer the watchdog
 * tests use). Each of `trips` machines is tripped once, one after another: `modbus.trip_ms` runs
 * from `requestTrip` to the controller latching the machine (its CLOCK_MONOTONIC, the clock of
 * process.hrtime), `modbus.verify_ms` to the read-back confirming the coil. Skipped, saying why,
 * without pymodbus.
 */
export async function modbusBench(m: Metrics, log: (l: string) => void, o: { trips?: number } = {}): Promise<void> {
  const unavailable = modbusControllerUnavailable();
  if (unavailable) {
    log(`modbus phase skipped: ${unavailable}`);
    return;
  }
  const trips = o.trips ?? 200;
  const peer = await startModbusController({ assets: trips, watchdogMs: 60_000 });
  const assets = Object.fromEntries(Array.from({ length: trips }, (_, i) => [`m${i}`, { coil: i }]));
  const output = new ModbusTripOutput({ host: '127.0.0.1', port: peer.port, assets, name: 'modbus-bench' });
  try {
    await output.whenConnected(10_000);
    const sentNs: bigint[] = [];
    const verified: number[] = [];
    const outcomes: ModbusTripOutcome[] = [];
    output.onOutcome((x) => outcomes.push(x));
    for (let i = 0; i < trips; i++) {
      const before = outcomes.length;
      sentNs.push(process.hrtime.bigint());
      output.requestTrip({ assetId: `m${i}`, decidedAtMs: Date.now(), reason: 'benchmark' });
      while (outcomes.length === before) await new Promise((r) => setImmediate(r));
      const x = outcomes[outcomes.length - 1]!;
      if (x.outcome === 'verified') verified.push(x.latencyMs);
    }
    await new Promise((r) => setTimeout(r, 300));
    const latched = parseControllerEvents(peer.output()).trips.filter((t) => t.cause === 'command');
    const toLatch = latched.filter((t) => t.asset < trips).map((t) => Number(t.monoNs - sentNs[t.asset]!) / 1e6);
    m['modbus.trip_ms.p50'] = round(percentile(toLatch, 50), 2);
    m['modbus.trip_ms.p99'] = round(percentile(toLatch, 99), 2);
    m['modbus.verify_ms.p99'] = round(percentile(verified, 99), 2);
    log(
      `modbus: ${trips} trips to a pymodbus controller on loopback: request to latched in the controller p50 ${percentile(toLatch, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(toLatch, 99).toFixed(2)} ms (${toLatch.length} latches read from its log); verified by read-back p50 ${percentile(verified, 50).toFixed(2)} ms, p99 ${percentile(verified, 99).toFixed(2)} ms (${verified.length} of ${trips})`,
    );
  } finally {
    output.dispose();
    await peer.stop();
  }
}
