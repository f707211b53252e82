import { createHook } from 'node:async_hooks';
import type { ChildProcess } from 'node:child_process';
import type { LocalPeer } from '../../../../engine/connect/localPeer';
import { modbusControllerUnavailable, withModbusClient } from '../../../../engine/connect/modbus/modbusController';
import type { ModbusTripOutcome, ModbusTripOutput } from '../../../../engine/connect/modbus/ModbusTripOutput';

/** Why these tests cannot run here (no pymodbus for /usr/bin/python3), or null. */
export const CONTROLLER_UNAVAILABLE = modbusControllerUnavailable();

/** Appended to a suite's title so that a skipped run says why in the report. */
export const SKIP_NOTE = CONTROLLER_UNAVAILABLE ? ` [SKIPPED: ${CONTROLLER_UNAVAILABLE}]` : '';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Monotonic ns → ms, for differences between the controller's and our timestamps. */
export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

/** Polls `probe` every 10 ms until it returns something truthy; fails with `what()` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs: number, what: () => string): Promise<T> {
  const by = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > by) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(10);
  }
}

/** Every outcome an output reports, with a way to wait for the one of command `seq`. */
export function recordOutcomes(output: ModbusTripOutput): { all: ModbusTripOutcome[]; of(seq: number, timeoutMs?: number): Promise<ModbusTripOutcome> } {
  const all: ModbusTripOutcome[] = [];
  output.onOutcome((o) => all.push(o));
  return {
    all,
    of: (seq, timeoutMs = 5000) => waitFor(() => all.find((o) => o.seq === seq), timeoutMs, () => `the outcome of command ${seq} (have ${JSON.stringify(all)})`),
  };
}

/**
 * The sockets and timers created while it is on, and not yet destroyed. Only handles made during a
 * test count (the runner's own timers before it do not), and an unref'd timer keeps nothing alive.
 */
class HandleTracker {
  readonly #live = new Map<number, { type: string; resource: object }>();
  readonly #hook = createHook({
    init: (id, type, _trigger, resource) => {
      if ((type === 'Timeout' || type === 'TCPWRAP')) this.#live.set(id, { type, resource });
    },
    destroy: (id) => void this.#live.delete(id),
  });

  start(): void {
    this.#live.clear();
    this.#hook.enable();
  }

  stop(): void {
    this.#hook.disable();
    this.#live.clear();
  }

  /** Handles still alive and keeping the process up, by type. */
  leaks(): string[] {
    return [...this.#live.values()].filter(({ type, resource }) => type !== 'Timeout' || (resource as { hasRef?(): boolean }).hasRef?.() !== false).map((h) => h.type);
  }
}

/**
 * What a test started (controllers, outputs, heartbeats, child processes), released in reverse
 * order by `end()`, which then checks that no socket or timer outlived the test: every owner of a
 * handle must give it back on dispose.
 */
export class TestResources {
  #release: Array<() => unknown> = [];
  readonly #handles = new HandleTracker();

  /** Call in beforeEach. */
  begin(): void {
    this.#release = [];
    this.#handles.start();
  }

  /** Disposed at the end of the test. */
  add<T extends { dispose(): void }>(x: T): T {
    this.#release.push(() => x.dispose());
    return x;
  }

  /** Stopped at the end of the test (resumed first, in case the test froze it with SIGSTOP). */
  peer<T extends LocalPeer>(p: T): T {
    this.#release.push(async () => {
      try {
        process.kill(p.pid, 'SIGCONT');
      } catch {
        // already gone
      }
      await p.stop();
    });
    return p;
  }

  /** Killed at the end of the test unless it has already exited. */
  child(c: ChildProcess): ChildProcess {
    this.#release.push(async () => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    });
    return c;
  }

  /** Call in afterEach: releases everything, then fails if sockets or timers leaked. */
  async end(): Promise<void> {
    try {
      for (const release of this.#release.reverse()) await release();
      this.#release = [];
      // A destroyed socket gives its handle back on a later turn of the loop, not at once. Polled
      // with setImmediate, which is not tracked, so that the wait does not count as a leak; a
      // leaked link's reconnect timer keeps being recreated and is caught.
      const by = performance.now() + 2000;
      while (this.#handles.leaks().length > 0 && performance.now() < by) await new Promise((r) => setImmediate(r));
      const leaks = this.#handles.leaks();
      if (leaks.length > 0) throw new Error(`the test left sockets or timers open after releasing everything it started: ${leaks.join(', ')}`);
    } finally {
      this.#handles.stop();
    }
  }
}

/**
 * Writes raw 16-bit words into the controller's holding registers from `address` on (FC16), over a
 * connection of its own that is closed again before this resolves: the values a poller then reads
 * were put there the way any SCADA tool would, not through the poller under test.
 */
export async function writeWords(port: number, address: number, words: number[], timeoutMs = 2000): Promise<void> {
  await withModbusClient(port, (client) => client.writeMultipleRegisters(address, words), { timeoutMs });
}
