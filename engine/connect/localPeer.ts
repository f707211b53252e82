import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real plant peer (MQTT broker, NATS server, Modbus controller) started on a loopback port for
 * the benchmark and the tests, and stopped by its PID. These are the real programs from Debian
 * (mosquitto, nats-server, python3-pymodbus), never stand-ins: `.ci/run` installs them.
 */
export interface LocalPeer {
  port: number;
  pid: number;
  /** Its output so far (for a test's failure message). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now, as a crash or a pulled cable would (for outage tests). */
  kill(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks; the port is released before the peer binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Whether `port` on 127.0.0.1 accepts a TCP connection now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts `command args` and resolves once it accepts connections on `port`; rejects with its
 * output if it exits first or does not listen within `timeoutMs`.
 */
export async function startPeer(command: string, args: string[], port: number, o: { timeoutMs?: number; cleanup?: () => void } = {}): Promise<LocalPeer> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + String(d)).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + String(d)).slice(-20_000)));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      o.cleanup?.();
      resolve();
    });
    child.once('error', (err) => {
      out += `\n${err.message}`;
      exited = true;
      o.cleanup?.();
      resolve();
    });
  });
  const by = Date.now() + (o.timeoutMs ?? 15_000);
  while (!(await accepts(port))) {
    if (exited) throw new Error(`${command} exited before listening on ${port}: ${out.trim()}`);
    if (Date.now() > by) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not listen on ${port} within ${o.timeoutMs ?? 15_000} ms: ${out.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (exited) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };
  return { port, pid: child.pid!, output: () => out, stop: (graceMs = 3000) => signal('SIGTERM', graceMs), kill: () => signal('SIGKILL', 0) };
}

/** Where Debian installs mosquitto (its sbin is not on every PATH). */
export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;

/**
 * A mosquitto broker (MQTT 3.1.1 and 5) on a free loopback port, anonymous, without persistence,
 * with Nagle's algorithm off (`set_tcp_nodelay`): otherwise each small packet, a trip command or
 * its acknowledgement, can wait ~40 ms for the peer's delayed ACK (measured: trip → ack p50
 * 43.7 ms with it, 1.0 ms without). A plant's broker wants the same setting;
 * `port` to restart one on the same port (outage tests). Throws if mosquitto is not installed.
 */
export async function startMosquitto(o: { port?: number } = {}): Promise<LocalPeer> {
  if (!MOSQUITTO) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'max_queued_messages 100000', 'set_tcp_nodelay true', ''].join('\n'));
  return startPeer(MOSQUITTO, ['-c', conf], port, { cleanup: () => rmSync(dir, { recursive: true, force: true }) });
}
