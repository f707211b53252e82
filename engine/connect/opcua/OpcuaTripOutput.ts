import type { CallMethodResult, ClientSession, DataValue, NodeId, StatusCode } from 'node-opcua';
import type { Actuator, TripCommand, TripReceipt } from '../../actuate/actuator';
import type { OpcuaLinkCounters, OpcuaLinkOptions } from './OpcuaLink';
import { OpcuaLink } from './OpcuaLink';
import type { NodeOpcua } from './nodeOpcua';
import { checkOpcuaNodeIds, resolveOpcuaNodeId, type ResolvedNodeId } from './resolveOpcuaNodeId';

/**
 * Where an asset's trip request goes on the server: a Boolean variable that is set to true (a
 * node id string, as the plant config gives it, or `{ variable }`), or a method called without
 * arguments, for controllers that expose the trip as a command. A method's effect can only be
 * verified through a variable the controller sets in response (`readBack`, a Boolean read as true).
 */
export type OpcuaTripTarget = string | { variable: string } | { objectId: string; methodId: string; readBack?: string };

/**
 * What became of one trip command after `requestTrip` returned (the receipt only says it left):
 *
 * - `verified`: the server answered Good and reading the variable back gave true;
 * - `acknowledged`: the server answered Good; no read-back (turned off, or a method without `readBack`);
 * - `mismatch`: answered Good, but the read-back is not true (something else owns the variable, or it is reset at once);
 * - `rejected`: the server answered with a Bad status (`serverStatus`: BadNotWritable, BadTypeMismatch, BadNodeIdUnknown, BadUserAccessDenied);
 * - `timeout`: no answer within the request timeout;
 * - `disconnected`: the connection dropped before the answer.
 */
export interface OpcuaTripOutcome {
  assetId: string;
  /** The operator stop's id; null for protection trips, which have none. */
  commandId: string | null;
  /** This output's running number for the command, 1 for the first. */
  seq: number;
  /** Wall-clock ms when the request was handed to the client: the receipt's `commandedAtMs`. */
  commandedAtMs: number;
  /** Wall-clock ms when the read-back confirmed it; null unless `verified`. */
  verifiedAtMs: number | null;
  /** Monotonic ms from handing the request over to the server's answer to the write or call; null when none came. */
  writeMs: number | null;
  /** Monotonic ms from handing the request over to this outcome (including the read-back). */
  latencyMs: number;
  outcome: 'verified' | 'acknowledged' | 'mismatch' | 'rejected' | 'timeout' | 'disconnected';
  /** The server's StatusCode for the write or call ('Good', 'BadNotWritable'); null when it did not answer. */
  serverStatus: string | null;
  /** Whether the server answered the write or call with Good, whatever came after. */
  acknowledged: boolean;
  detail: string;
}

/** Counts since construction, for the console's health view and the benchmark. */
export interface OpcuaTripOutputCounters {
  commands: number;
  verified: number;
  acknowledged: number;
  /** `requestTrip` calls refused (thrown) because no connection was up. */
  refused: number;
  failures: { mismatch: number; rejected: number; timeout: number; disconnected: number };
  /** Answers that came after their command had been reported as `timeout` (the trip may have landed late). */
  lateAnswers: number;
  /** Outcome listeners that threw; the trip path carries on regardless. */
  listenerErrors: number;
  link: OpcuaLinkCounters;
}

/** Configuration of an `OpcuaTripOutput`: the plant config's opcua trip output (kind accepted) and connection knobs. */
export interface OpcuaTripOutputOptions extends OpcuaLinkOptions {
  kind?: 'opcua';
  /** The actuator name on receipts; 'opcua:<endpointUrl>' by default. */
  name?: string;
  /** assetId → its trip variable's node id, or a target of `OpcuaTripTarget`. */
  nodes: Record<string, OpcuaTripTarget> | ReadonlyMap<string, OpcuaTripTarget>;
  /** Read each written variable back (default true): catches a controller that accepted the write but not the value. */
  verify?: boolean;
  /**
   * How long the write (or call) and the read-back may each take before the outcome is `timeout`
   * (default 2000 ms). The output keeps this deadline itself: node-opcua never gives up on a
   * request in less than 5 s, far too long for a person waiting to hear whether a machine stopped.
   */
  requestTimeoutMs?: number;
  /** Wall clock (ms) for receipts and outcomes; Date.now by default. */
  clock?: () => number;
  /** Monotonic clock (ns) for latencies; process.hrtime.bigint by default. */
  monoNs?: () => bigint;
}

type Target = { kind: 'variable'; nodeId: string } | { kind: 'method'; objectId: string; methodId: string; readBack: string | null };
type Resolved = Map<string, ResolvedNodeId>;
type Listener = (o: OpcuaTripOutcome) => void;
type Base = Pick<OpcuaTripOutcome, 'assetId' | 'commandId' | 'seq' | 'commandedAtMs'>;
type Settled<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

function toTarget(t: OpcuaTripTarget): Target {
  if (typeof t === 'string') return { kind: 'variable', nodeId: t };
  if ('variable' in t) return { kind: 'variable', nodeId: t.variable };
  return { kind: 'method', objectId: t.objectId, methodId: t.methodId, readBack: t.readBack ?? null };
}

const nodeIdsOf = (t: Target): string[] => (t.kind === 'variable' ? [t.nodeId] : [t.objectId, t.methodId, ...(t.readBack ? [t.readBack] : [])]);
const statusName = (s: StatusCode): string => s.name.split('#')[0] ?? s.name;
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * An actuator that asks a controller over OPC UA to trip an asset, by writing true to the asset's
 * trip variable (or calling its trip method). `requestTrip` returns as soon as the request is
 * handed to the client, so the engine never waits on the network; the server's StatusCode, the
 * write latency and a read-back of the variable arrive later as an `OpcuaTripOutcome` on
 * `onOutcome`, the same shape as `ModbusTripOutcome`.
 *
 * When the connection is down (or node-opcua is repairing it), `requestTrip` throws and nothing
 * is sent: node-opcua holds requests made while it reconnects and replays them once the session
 * is back, and a trip that lands seconds late, after a person has been told it failed, is worse
 * than one that is known to have failed. The caller counts and escalates, as with Modbus.
 */
export class OpcuaTripOutput implements Actuator {
  readonly name: string;
  readonly #targets: ReadonlyMap<string, Target>;
  readonly #verify: boolean;
  readonly #timeoutMs: number;
  readonly #log: ((line: string) => void) | undefined;
  readonly #link: OpcuaLink;
  readonly #clock: () => number;
  readonly #monoNs: () => bigint;
  readonly #listeners = new Set<Listener>();
  /** Node ids resolved against the current session's namespaces (nsu= ids change index when a server restarts). */
  #resolved: Resolved = new Map();
  #seq = 0;
  readonly #c = { commands: 0, verified: 0, acknowledged: 0, refused: 0, lateAnswers: 0, listenerErrors: 0 };
  readonly #failures: OpcuaTripOutputCounters['failures'] = { mismatch: 0, rejected: 0, timeout: 0, disconnected: 0 };

  constructor(o: OpcuaTripOutputOptions) {
    this.name = o.name ?? `opcua:${o.endpointUrl}`;
    const entries = o.nodes instanceof Map ? [...o.nodes] : Object.entries(o.nodes);
    if (entries.length === 0) throw new Error(`${this.name}: an OPC UA trip output needs at least one asset`);
    this.#targets = new Map(entries.map(([id, t]) => [id, toTarget(t)]));
    checkOpcuaNodeIds(`${this.name}: trip targets`, [...this.#targets.values()].flatMap(nodeIdsOf));
    this.#verify = o.verify ?? true;
    this.#timeoutMs = o.requestTimeoutMs ?? 2000;
    this.#log = o.log;
    this.#clock = o.clock ?? Date.now;
    this.#monoNs = o.monoNs ?? process.hrtime.bigint;
    // Resolved on every session and again after every reconnection, before the link counts as up:
    // a restarted server may have renumbered the namespaces that nsu= ids name.
    const resolve = async (session: ClientSession, opcua: NodeOpcua): Promise<void> => void (this.#resolved = await this.#resolve(session, opcua));
    this.#link = new OpcuaLink({ keepSessionAlive: true, ...o, requestTimeoutMs: this.#timeoutMs }, { onSession: resolve, onUp: resolve });
  }

  /** Resolves once the first connection is up (start-up, tests); rejects after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<void> {
    return this.#link.whenConnected(timeoutMs);
  }

  /** Whether a trip requested now would go on the wire (rather than throw). */
  get connected(): boolean {
    const s = this.#link.session();
    return s !== null && !s.isReconnecting;
  }

  /**
   * Sends the asset's trip request and returns at once; the outcome follows on `onOutcome`.
   * Throws when the asset has no target or no connection is up, so the caller knows it did not leave.
   */
  requestTrip(cmd: TripCommand): TripReceipt {
    const target = this.#targets.get(cmd.assetId);
    if (!target) {
      throw new Error(`${this.name}: no OPC UA trip node configured for asset "${cmd.assetId}" (configured: ${[...this.#targets.keys()].join(', ')}); trip NOT sent`);
    }
    const session = this.#link.session();
    const opcua = this.#link.opcua();
    if (!session || !opcua || session.isReconnecting) {
      this.#c.refused++;
      throw new Error(`${this.name}: not connected to the OPC UA server (${this.#link.describe()}); trip of asset "${cmd.assetId}" NOT sent`);
    }
    const ids = new Map<string, NodeId>();
    for (const text of nodeIdsOf(target)) {
      const r = this.#resolved.get(text) ?? { ok: false, status: 'BadNodeIdUnknown', detail: `${text} has not been resolved on this server yet` };
      if (!r.ok) {
        this.#c.refused++;
        throw new Error(`${this.name}: the trip target of asset "${cmd.assetId}" does not resolve on this server: ${r.detail} (${r.status}); trip NOT sent`);
      }
      ids.set(text, r.nodeId);
    }
    const id = (text: string): NodeId => ids.get(text)!;
    const startNs = this.#monoNs();
    // node-opcua encodes the request and writes it to the socket before write()/call() return.
    const request: Promise<StatusCode> =
      target.kind === 'variable'
        ? session.write({ nodeId: id(target.nodeId), attributeId: opcua.AttributeIds.Value, value: { value: new opcua.Variant({ dataType: opcua.DataType.Boolean, value: true }) } })
        : session.call({ objectId: id(target.objectId), methodId: id(target.methodId), inputArguments: [] }).then((r: CallMethodResult) => r.statusCode);
    const commandedAtMs = this.#clock();
    const base: Base = { assetId: cmd.assetId, commandId: cmd.commandId ?? null, seq: ++this.#seq, commandedAtMs };
    this.#c.commands++;
    void this.#confirm(session, opcua, target, request, startNs, base);
    return { actuator: this.name, commandedAtMs: base.commandedAtMs };
  }

  /** Calls `listener` with every command's outcome; `dispose()` on the result to stop. */
  onOutcome(listener: Listener): { dispose(): void } {
    this.#listeners.add(listener);
    return { dispose: () => void this.#listeners.delete(listener) };
  }

  /** Counters so far (a copy). */
  counters(): OpcuaTripOutputCounters {
    return { ...this.#c, failures: { ...this.#failures }, link: this.#link.counters() };
  }

  /** Closes the session and the connection and stops reconnecting; unanswered commands end as `disconnected`. */
  dispose(): Promise<void> {
    return this.#link.dispose();
  }

  async #resolve(session: ClientSession, opcua: NodeOpcua): Promise<Resolved> {
    const namespaces = await session.readNamespaceArray();
    const ids = new Set([...this.#targets.values()].flatMap(nodeIdsOf));
    return new Map([...ids].map((text) => [text, resolveOpcuaNodeId(text, namespaces, opcua)]));
  }

  async #confirm(session: ClientSession, opcua: NodeOpcua, target: Target, request: Promise<StatusCode>, startNs: bigint, base: Base): Promise<void> {
    const what = target.kind === 'variable' ? `write of true to ${target.nodeId}` : `call of ${target.methodId} on ${target.objectId}`;
    const answer = await this.#within(request, base, what);
    if (answer.kind !== 'value') {
      const [outcome, why] = this.#classify(answer, what);
      return this.#finish(base, startNs, null, outcome, null, false, why);
    }
    const status = answer.value;
    const writeMs = Number(this.#monoNs() - startNs) / 1e6;
    const name = statusName(status);
    if (!status.isGood()) return this.#finish(base, startNs, writeMs, 'rejected', name, false, `the server refused the ${what}: ${name}`);
    const readBack = target.kind === 'variable' ? (this.#verify ? target.nodeId : null) : target.readBack;
    if (!readBack) return this.#finish(base, startNs, writeMs, 'acknowledged', name, true, `the server accepted the ${what}${target.kind === 'variable' ? '; read-back is off' : ''}`);
    const r = this.#resolved.get(readBack);
    if (!r?.ok) return this.#finish(base, startNs, writeMs, 'mismatch', name, true, `the server accepted the ${what}, but ${readBack} does not resolve on this server, so it cannot be read back`);
    const got = await this.#within(session.read({ nodeId: r.nodeId, attributeId: opcua.AttributeIds.Value }), base, `read-back of ${readBack}`);
    if (got.kind !== 'value') {
      const [outcome, why] = this.#classify(got, `read-back of ${readBack}`);
      return this.#finish(base, startNs, writeMs, outcome, name, true, `the server accepted the ${what}, but ${why}`);
    }
    const dv: DataValue = got.value;
    if (dv.statusCode.isGood() && dv.value.value === true) return this.#finish(base, startNs, writeMs, 'verified', name, true, `${readBack} reads true`);
    const seen = dv.statusCode.isGood() ? `reads ${JSON.stringify(dv.value.value)}` : `cannot be read (${statusName(dv.statusCode)})`;
    return this.#finish(base, startNs, writeMs, 'mismatch', name, true, `the server accepted the ${what}, but ${readBack} ${seen}`);
  }

  /** `p`'s result, or `timeout` after `requestTimeoutMs`; an answer after that is counted (and logged) as late. */
  async #within<T>(p: Promise<T>, base: Base, what: string): Promise<Settled<T>> {
    let timer: NodeJS.Timeout | undefined;
    let timedOutAtNs: bigint | null = null;
    const settled = p.then(
      (value): Settled<T> => {
        if (timedOutAtNs !== null) {
          this.#c.lateAnswers++;
          this.#log?.(`${this.name}: the ${what} for asset "${base.assetId}" (command ${base.seq}) was answered ${(Number(this.#monoNs() - timedOutAtNs) / 1e6).toFixed(0)} ms after it was reported as timed out`);
        }
        return { kind: 'value', value };
      },
      (error: unknown): Settled<T> => ({ kind: 'error', error }),
    );
    const deadline = new Promise<Settled<T>>((resolve) => {
      timer = setTimeout(() => {
        timedOutAtNs = this.#monoNs();
        resolve({ kind: 'timeout' });
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([settled, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  #classify(failure: { kind: 'timeout' } | { kind: 'error'; error: unknown }, stage: string): ['timeout' | 'disconnected', string] {
    if (failure.kind === 'timeout') return ['timeout', `no answer to the ${stage} within ${this.#timeoutMs} ms`];
    const m = message(failure.error);
    if (/timed? ?out/i.test(m) && this.#link.session() !== null) return ['timeout', `no answer to the ${stage} (${m})`];
    return ['disconnected', `the connection failed during the ${stage} (${m})`];
  }

  #finish(base: Base, startNs: bigint, writeMs: number | null, outcome: OpcuaTripOutcome['outcome'], serverStatus: string | null, acknowledged: boolean, detail: string): void {
    const latencyMs = Number(this.#monoNs() - startNs) / 1e6;
    const verifiedAtMs = outcome === 'verified' ? this.#clock() : null;
    if (outcome === 'verified') this.#c.verified++;
    else if (outcome === 'acknowledged') this.#c.acknowledged++;
    else this.#failures[outcome]++;
    const o: OpcuaTripOutcome = { ...base, verifiedAtMs, writeMs, latencyMs, outcome, serverStatus, acknowledged, detail };
    for (const l of this.#listeners) {
      try {
        l(o);
      } catch {
        this.#c.listenerErrors++;
      }
    }
  }
}
