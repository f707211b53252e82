import { spawnSync } from 'node:child_process';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import Modbus from 'jsmodbus';
import { freePort, startPeer, type LocalPeer } from '../localPeer';

/**
 * Debian's interpreter, which has python3-pymodbus (3.0.0rc1); a pyenv or venv python3 earlier on
 * PATH usually has not, so the peer is started with this one, by absolute path. VIGIL_PYTHON3
 * names another (a host where pymodbus lives elsewhere, or a check that the tests skip cleanly).
 */
export const PYTHON3 = process.env.VIGIL_PYTHON3 || '/usr/bin/python3';

/** The controller program, found next to this module (the engine runs from source under tsx). */
export const CONTROLLER_SCRIPT = fileURLToPath(new URL('./controller.py', import.meta.url));

/** Input register i holds asset i's trip cause with these codes (see controller.py). */
export const TRIP_CAUSE_CODES = { none: 0, command: 1, watchdog: 2 } as const;
export type TripCause = keyof typeof TRIP_CAUSE_CODES;

/** How the controller is set up. */
export interface ModbusControllerOptions {
  /** Assets 0..assets-1, each with trip coil i, command register i, tripped input i, cause register i. */
  assets: number;
  /** Heartbeat coil, default 1000; the reset coil is the next one and the status registers start here. */
  heartbeatCoil?: number;
  /** Longest allowed gap between heartbeat toggles once armed. */
  watchdogMs: number;
  /** Loopback port; a free one by default. Pass the old one to restart a killed controller. */
  port?: number;
  /**
   * First address of the process-value block (default 2000): holding registers any client may
   * write, mirrored into the input registers at the same addresses, for the polling source's tests.
   */
  processStart?: number;
  /** Registers in the process-value block (default 100). */
  processCount?: number;
  /** Raw 16-bit words the process-value block holds at start-up, by address (the rest start at 0). */
  presets?: Record<number, number>;
}

/**
 * A real Modbus TCP controller (pymodbus) playing the plant's PLC or safety relay, for the tests
 * and `vigil bench`. It latches trip requests and trips every asset when the engine's heartbeat
 * stops, as the real controller must; see controller.py for the full register map.
 */
export interface ModbusControllerPeer extends LocalPeer {
  assets: number;
  /** First address of the process-value block (holding registers, mirrored as input registers). */
  processStart: number;
  heartbeatCoil: number;
  /** Writing 1 here clears every latch (for a benchmark that trips the same asset repeatedly). */
  resetCoil: number;
  watchdogMs: number;
}

/** A trip as the controller printed it; `monoNs` is CLOCK_MONOTONIC, comparable with process.hrtime.bigint(). */
export interface ControllerTrip {
  asset: number;
  cause: Exclude<TripCause, 'none'>;
  monoNs: bigint;
}

/** A watchdog expiry: when the last toggle was seen, and when the controller noticed it was overdue. */
export interface ControllerWatchdogExpiry {
  lastToggleMonoNs: bigint;
  monoNs: bigint;
}

/** What the controller has printed so far, parsed. */
export interface ControllerEvents {
  trips: ControllerTrip[];
  watchdogExpiries: ControllerWatchdogExpiry[];
  armedMonoNs: bigint[];
  resets: number;
}

/**
 * Why the controller cannot run here, or null when it can: tests skip with this reason instead of
 * failing on a machine without python3-pymodbus.
 */
export function modbusControllerUnavailable(): string | null {
  const r = spawnSync(PYTHON3, ['-c', 'import pymodbus.server.async_io, pymodbus.datastore'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `${PYTHON3} cannot run: ${r.error.message}`;
  if (r.status !== 0) return `${PYTHON3} cannot import pymodbus (apt-get install python3-pymodbus): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  return null;
}

/** Starts controller.py on a loopback port and resolves once it accepts Modbus connections. */
export async function startModbusController(o: ModbusControllerOptions): Promise<ModbusControllerPeer> {
  const heartbeatCoil = o.heartbeatCoil ?? 1000;
  if (!Number.isInteger(o.assets) || o.assets < 1 || o.assets > heartbeatCoil) throw new Error(`assets must be 1..heartbeatCoil (${heartbeatCoil}), got ${o.assets}`);
  if (!(o.watchdogMs > 0)) throw new Error(`watchdogMs must be positive, got ${o.watchdogMs}`);
  const port = o.port ?? (await freePort());
  const args = [CONTROLLER_SCRIPT, '--port', String(port), '--assets', String(o.assets), '--heartbeat-coil', String(heartbeatCoil), '--watchdog-ms', String(Math.round(o.watchdogMs))];
  if (o.processStart !== undefined) args.push('--process-start', String(o.processStart));
  if (o.processCount !== undefined) args.push('--process-count', String(o.processCount));
  for (const [addr, value] of Object.entries(o.presets ?? {})) args.push('--preset', `${addr}=${value}`);
  const peer = await startPeer(PYTHON3, args, port, { timeoutMs: 15_000 });
  return { ...peer, assets: o.assets, processStart: o.processStart ?? 2000, heartbeatCoil, resetCoil: heartbeatCoil + 1, watchdogMs: o.watchdogMs };
}

/**
 * The controller's event lines (TRIP, WATCHDOG, ARMED, RESET) in `output`, oldest first. The peer
 * keeps only its last 20 000 characters of output: a long benchmark should read the registers
 * (`readControllerState`) rather than count lines.
 */
export function parseControllerEvents(output: string): ControllerEvents {
  const events: ControllerEvents = { trips: [], watchdogExpiries: [], armedMonoNs: [], resets: 0 };
  for (const line of output.split('\n')) {
    let m: RegExpMatchArray | null;
    if ((m = /^TRIP asset=(\d+) cause=(command|watchdog) monoNs=(\d+)$/.exec(line.trim()))) {
      events.trips.push({ asset: Number(m[1]), cause: m[2] as ControllerTrip['cause'], monoNs: BigInt(m[3]!) });
    } else if ((m = /^WATCHDOG lastToggleMonoNs=(\d+) monoNs=(\d+)$/.exec(line.trim()))) {
      events.watchdogExpiries.push({ lastToggleMonoNs: BigInt(m[1]!), monoNs: BigInt(m[2]!) });
    } else if ((m = /^ARMED monoNs=(\d+)$/.exec(line.trim()))) {
      events.armedMonoNs.push(BigInt(m[1]!));
    } else if (/^RESET monoNs=\d+$/.test(line.trim())) {
      events.resets++;
    }
  }
  return events;
}

/** The controller's state as its registers show it. */
export interface ControllerState {
  tripped: boolean[];
  causes: TripCause[];
  armed: boolean;
  /** Heartbeat toggles seen, modulo 65536. */
  toggles: number;
  /** Watchdog expiries, modulo 65536. */
  expiries: number;
}

const CAUSE_BY_CODE = new Map<number, TripCause>(Object.entries(TRIP_CAUSE_CODES).map(([k, v]) => [v, k as TripCause]));

/**
 * Reads the controller's state over a fresh Modbus connection of its own (discrete inputs, input
 * registers), so what a test asserts is what any SCADA client would see, not what our client
 * believes it wrote.
 */
export async function readControllerState(peer: Pick<ModbusControllerPeer, 'port' | 'assets' | 'heartbeatCoil'>, o: { host?: string; timeoutMs?: number } = {}): Promise<ControllerState> {
  return withModbusClient(peer.port, async (client) => {
    const inputs = await client.readDiscreteInputs(0, peer.assets);
    const causes = await client.readInputRegisters(0, peer.assets);
    const status = await client.readInputRegisters(peer.heartbeatCoil, 3);
    const [armed, toggles, expiries] = status.response.body.valuesAsArray;
    return {
      tripped: inputs.response.body.valuesAsArray.slice(0, peer.assets).map(Boolean),
      causes: Array.from(causes.response.body.valuesAsArray, (c) => CAUSE_BY_CODE.get(c) ?? 'none'),
      armed: armed === 1,
      toggles: toggles ?? 0,
      expiries: expiries ?? 0,
    };
  }, o);
}

/**
 * Runs `use` with a Modbus TCP client on a connection of its own to 127.0.0.1:`port` (or `host`),
 * closed again before this resolves: for reading or setting the controller the way any SCADA
 * client would, not through the code under test.
 */
export async function withModbusClient<T>(port: number, use: (client: InstanceType<typeof Modbus.client.TCP>) => Promise<T>, o: { host?: string; timeoutMs?: number } = {}): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 2000;
  const socket = new Socket();
  const client = new Modbus.client.TCP(socket, 1, timeoutMs);
  let failure: Error | null = null;
  // Kept for the socket's whole life: an 'error' without a listener would crash the process.
  socket.on('error', (err) => (failure = err));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no connection to the controller on port ${port} within ${timeoutMs} ms`)), timeoutMs);
      socket.once('connect', () => (clearTimeout(timer), resolve()));
      socket.once('close', () => (clearTimeout(timer), reject(failure ?? new Error(`the controller on port ${port} closed the connection`))));
      socket.connect({ host: o.host ?? '127.0.0.1', port });
    });
    return await use(client);
  } finally {
    socket.destroy();
  }
}
