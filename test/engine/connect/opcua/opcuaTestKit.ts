import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Namespace, UAObject, UAVariable } from 'node-opcua';
import { startLocalOpcuaServer, type LocalOpcuaServer } from '../../../../engine/connect/opcua/localOpcuaServer';
import type { NodeOpcua } from '../../../../engine/connect/opcua/nodeOpcua';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 10 ms until it returns something truthy; fails with `what()` after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | null | undefined | false, timeoutMs: number, what: () => string): Promise<T> {
  const by = performance.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (performance.now() > by) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(10);
  }
}

/** Source time of every variable's initial value (2024-01-01T00:00:00Z). */
export const INITIAL_SOURCE_MS = Date.UTC(2024, 0, 1);

/** Statuses the tests give a variable. */
export type TestStatus = 'Good' | 'UncertainLastUsableValue' | 'UncertainSensorNotAccurate' | 'BadSensorFailure' | 'BadCommunicationError';

/** A write or method call the server saw, timed on the process's monotonic clock. */
export interface ServerTrip {
  via: 'write' | 'method';
  value: unknown;
  atNs: bigint;
}

/** Per asset, in the server's own namespace (`ns=1;s=<asset>.<name>`). */
const VARIABLES = {
  speed: 'Double',
  temperature: 'Double',
  label: 'String',
  vibration: 'Float',
  vibration64: 'Double',
} as const;
export type TestVariable = keyof typeof VARIABLES;

/**
 * A real node-opcua server with a small plant in its address space, one object per asset:
 *
 * - `speed`, `temperature` (Double), `label` (String): slow values the test sets, with status and source time;
 * - `vibration` (Float array), `vibration64` (Double array): waveform blocks, set by the test or `pumpWaveform`;
 * - `trip` (Boolean, writable): the trip variable; every client write is recorded with its monotonic time;
 * - `tripLocked` (Boolean, read-only): a write is refused with BadNotWritable;
 * - `tripLatch` (Boolean): accepts writes but always reads false (a controller that resets at once);
 * - `Trip()` (method): sets `trip` and is recorded;
 * - `Stall()` (method): answers only when `releaseStalls()` is called (a controller that hangs).
 *
 * Every variable starts Good with a known value stamped `INITIAL_SOURCE_MS`: a new subscription
 * gets these as its first notifications.
 *
 * It reports every change of a variable monitored with sampling interval 0 (MinSupportedSampleRate
 * 0), as a gateway publishing every block must; a larger sampling interval samples, and folds.
 *
 * `restart()` stops it and starts a new server on the same port with the same address space:
 * sessions and subscriptions are gone, as after a real server restart.
 */
export class PlantServer {
  readonly assets: readonly string[];
  readonly #pki = mkdtempSync(join(tmpdir(), 'vigil-opcua-test-pki-'));
  readonly #trips = new Map<string, ServerTrip[]>();
  readonly #vars = new Map<string, UAVariable>();
  readonly #pumps = new Set<NodeJS.Timeout>();
  readonly #stalls = new Set<() => void>();
  readonly #resetTrip = new Map<string, () => void>();
  #server: LocalOpcuaServer | null = null;
  #opcua: NodeOpcua | null = null;
  #port = 0;

  private constructor(assets: readonly string[]) {
    this.assets = assets;
    for (const a of assets) this.#trips.set(a, []);
  }

  static async start(assets: readonly string[] = ['pump-1', 'fan-2']): Promise<PlantServer> {
    const s = new PlantServer(assets);
    await s.#start();
    return s;
  }

  get endpointUrl(): string {
    return `opc.tcp://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** The node id of an asset's variable or method. */
  nodeId(assetId: string, name: TestVariable | 'trip' | 'tripLocked' | 'tripLatch' | 'Trip' | 'Stall' | ''): string {
    return name === '' ? `ns=1;s=${assetId}` : `ns=1;s=${assetId}.${name}`;
  }

  /** Sets a variable as a device would: value, status, and the source time (now by default). */
  set(assetId: string, name: TestVariable, value: number | string | number[] | Float32Array | Float64Array, o: { status?: TestStatus; sourceMs?: number } = {}): void {
    const opcua = this.#opcua!;
    const type = VARIABLES[name];
    const isArray = name === 'vibration' || name === 'vibration64';
    const variant = new opcua.Variant({ dataType: opcua.DataType[type], arrayType: isArray ? opcua.VariantArrayType.Array : opcua.VariantArrayType.Scalar, value });
    this.#var(assetId, name).setValueFromSource(variant, opcua.StatusCodes[o.status ?? 'Good'], new Date(o.sourceMs ?? Date.now()));
  }

  /**
   * Publishes a Float block on `<asset>.vibration` every `periodMs`, block k stamped
   * `t0Ms + k * periodMs` and filled with `blockSamples(k, n)`, until `stop()`. Returns how many went out.
   */
  pumpWaveform(assetId: string, o: { periodMs: number; samples: number; t0Ms: number }): { sent(): number; stop(): void } {
    let k = 0;
    const timer = setInterval(() => {
      this.set(assetId, 'vibration', blockSamples(k, o.samples), { sourceMs: o.t0Ms + k * o.periodMs });
      k++;
    }, o.periodMs);
    this.#pumps.add(timer);
    return {
      sent: () => k,
      stop: () => {
        clearInterval(timer);
        this.#pumps.delete(timer);
      },
    };
  }

  /** The server's own namespace URI, for `nsu=` node ids. */
  get namespaceUri(): string {
    return this.#server!.namespace.namespaceUri;
  }

  /** Answers every `Stall()` call still waiting. */
  releaseStalls(): void {
    for (const release of this.#stalls) release();
    this.#stalls.clear();
  }

  /**
   * Ends every subscription the way the server does when one outlives its lifetime (no publish
   * request for that long): a BadTimeout status change to the client, then termination. These are
   * node-opcua's own steps, reached through its internals: nothing public expires a subscription.
   */
  expireSubscriptions(): number {
    const opcua = this.#opcua!;
    let n = 0;
    for (const session of this.#server!.server.engine.getSessions()) {
      for (const sub of session.publishEngine?.subscriptions ?? []) {
        (sub as unknown as { _addNotificationMessage(m: unknown): void })._addNotificationMessage(new opcua.StatusChangeNotification({ status: opcua.StatusCodes.BadTimeout }));
        sub.terminate();
        n++;
      }
    }
    return n;
  }

  /** Trip writes and method calls the server saw for `assetId`, oldest first. */
  trips(assetId: string): readonly ServerTrip[] {
    return this.#trips.get(assetId) ?? [];
  }

  /** Clears the trip variables and the record of trips (between tests). */
  resetTrips(): void {
    for (const a of this.assets) {
      this.#trips.set(a, []);
      this.#resetTrip.get(a)?.();
    }
  }

  /** Shuts the server down: clients see the connection drop. */
  async stop(): Promise<void> {
    for (const t of this.#pumps) clearInterval(t);
    this.#pumps.clear();
    await this.#server?.stop();
    this.#server = null;
  }

  /** A new server on the same port, address space rebuilt (values back to their initial state). */
  async restart(): Promise<void> {
    await this.stop();
    await this.#start(this.#port);
  }

  /** Stops the server and removes its certificate folder. */
  async dispose(): Promise<void> {
    await this.stop();
    this.releaseStalls();
    rmSync(this.#pki, { recursive: true, force: true });
  }

  async #start(port?: number): Promise<void> {
    this.#vars.clear();
    this.#resetTrip.clear();
    this.#server = await startLocalOpcuaServer({ ...(port ? { port } : {}), pkiFolder: this.#pki, minSupportedSampleRateMs: 0, build: (ns, addressSpace, opcua) => {
      this.#opcua = opcua;
      for (const a of this.assets) this.#buildAsset(ns, ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: a, nodeId: `s=${a}` }), a, opcua);
    } });
    this.#port = this.#server.port;
  }

  #buildAsset(ns: Namespace, asset: UAObject, a: string, opcua: NodeOpcua): void {
    const add = (name: string, dataType: string, extra: object = {}): UAVariable => {
      const v = ns.addVariable({ componentOf: asset, browseName: name, nodeId: `s=${a}.${name}`, dataType, minimumSamplingInterval: 0, ...extra });
      this.#vars.set(`${a}.${name}`, v);
      return v;
    };
    for (const [name, type] of Object.entries(VARIABLES)) add(name, type, name.startsWith('vibration') ? { valueRank: 1, arrayDimensions: [0] } : {});
    this.set(a, 'speed', 25, { sourceMs: INITIAL_SOURCE_MS });
    this.set(a, 'temperature', 40, { sourceMs: INITIAL_SOURCE_MS });
    this.set(a, 'label', `${a} drive end`, { sourceMs: INITIAL_SOURCE_MS });
    this.set(a, 'vibration', blockSamples(0, 512), { sourceMs: INITIAL_SOURCE_MS });
    this.set(a, 'vibration64', Float64Array.from(blockSamples(0, 512)), { sourceMs: INITIAL_SOURCE_MS });
    const rw = { accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite', minimumSamplingInterval: 100 };
    const record = (via: ServerTrip['via'], value: unknown): void => void this.#trips.get(a)!.push({ via, value, atNs: process.hrtime.bigint() });
    const bool = (value: boolean) => new opcua.Variant({ dataType: opcua.DataType.Boolean, value });
    // The setter runs when the server applies a client's write: the moment the trip is "written at the server".
    const state = { trip: false };
    this.#resetTrip.set(a, () => void (state.trip = false));
    add('trip', 'Boolean', { ...rw, value: { get: () => bool(state.trip), set: (v: { value: unknown }) => {
      record('write', v.value);
      state.trip = v.value === true;
      return opcua.StatusCodes.Good;
    } } });
    add('tripLocked', 'Boolean', { accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead' }).setValueFromSource(bool(false));
    add('tripLatch', 'Boolean', { ...rw, value: { get: () => bool(false), set: (v: { value: unknown }) => {
      record('write', v.value);
      return opcua.StatusCodes.Good;
    } } });
    const method = ns.addMethod(asset, { browseName: 'Trip', nodeId: `s=${a}.Trip`, inputArguments: [], outputArguments: [] });
    // node-opcua tells an async method from a callback one by its declared parameters: two here.
    method.bindMethod(async (_inputs: unknown, _context: unknown) => {
      record('method', true);
      state.trip = true;
      return { statusCode: opcua.StatusCodes.Good, outputArguments: [] };
    });
    const stall = ns.addMethod(asset, { browseName: 'Stall', nodeId: `s=${a}.Stall`, inputArguments: [], outputArguments: [] });
    stall.bindMethod(async (_inputs: unknown, _context: unknown) => {
      await new Promise<void>((resolve) => this.#stalls.add(resolve));
      return { statusCode: opcua.StatusCodes.Good, outputArguments: [] };
    });
  }

  #var(assetId: string, name: string): UAVariable {
    const v = this.#vars.get(`${assetId}.${name}`);
    if (!v) throw new Error(`the test server has no variable ${assetId}.${name}`);
    return v;
  }
}

/** Block `k` of a test waveform: a sine whose phase and amplitude say which block it is. */
export function blockSamples(k: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (1 + k / 100) * Math.sin((2 * Math.PI * (i + k * n)) / 64));
}

/**
 * Sockets and timers created while a test runs and not yet released. Only handles made during
 * the test count, and an unref'd timer keeps nothing alive. The plant server is started before
 * tracking begins; what it makes for a client's connection (the accepted socket, the session's
 * timers) is released when the client closes, so it is tracked too.
 */
export class LeakCheck {
  readonly #live = new Map<number, { type: string; resource: object }>();
  readonly #hook = createHook({
    init: (id, type, _trigger, resource) => {
      if (this.#paused === 0 && (type === 'Timeout' || type === 'TCPWRAP' || type === 'TCPSERVERWRAP')) this.#live.set(id, { type, resource });
    },
    destroy: (id) => void this.#live.delete(id),
  });
  #release: Array<() => unknown> = [];
  /** Above 0 while `untracked` runs: new handles are not recorded (destroys still are: they come late and in batches). */
  #paused = 0;

  /** Call in beforeEach. */
  begin(): void {
    this.#live.clear();
    this.#release = [];
    this.#paused = 0;
    this.#hook.enable();
  }

  /**
   * Runs `fn` without tracking what it creates: for restarting the plant server inside a test,
   * whose listening socket and timers belong to the file, not to the test.
   */
  async untracked<T>(fn: () => Promise<T>): Promise<T> {
    this.#paused++;
    try {
      return await fn();
    } finally {
      this.#paused--;
    }
  }

  /** Disposed (and awaited) at the end of the test, in reverse order. */
  add<T extends { dispose(): unknown }>(x: T): T {
    this.#release.push(() => x.dispose());
    return x;
  }

  /** Call in afterEach: releases everything, then fails if a socket or timer outlived the test. */
  async end(): Promise<void> {
    try {
      for (const release of this.#release.reverse()) await release();
      this.#release = [];
      const by = performance.now() + 3000;
      while (this.#leaks().length > 0 && performance.now() < by) await new Promise((r) => setImmediate(r));
      const leaks = this.#leaks();
      if (leaks.length > 0) throw new Error(`the test left sockets or timers open after releasing everything it started: ${leaks.join(', ')}`);
    } finally {
      this.#hook.disable();
      this.#live.clear();
    }
  }

  #leaks(): string[] {
    // A timer that is unref'd, or cleared (_idleTimeout -1, its destroy still queued), keeps nothing alive.
    const holds = (t: { hasRef?(): boolean; _idleTimeout?: number }): boolean => t.hasRef?.() !== false && t._idleTimeout !== -1;
    return [...this.#live.values()]
      .filter(({ type, resource }) => type !== 'Timeout' || holds(resource))
      .map(({ type, resource }) => (type === 'Timeout' ? `Timeout(${(resource as { _idleTimeout?: number })._idleTimeout} ms: ${String((resource as { _onTimeout?: unknown })._onTimeout).slice(0, 160).replace(/\s+/g, ' ')})` : type));
  }
}
