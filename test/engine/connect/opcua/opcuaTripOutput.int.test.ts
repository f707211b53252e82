import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpcuaTripOutput, type OpcuaTripOutcome, type OpcuaTripOutputOptions } from '../../../../engine/connect/opcua/OpcuaTripOutput';
import { LeakCheck, PlantServer, sleep, waitFor } from './opcuaTestKit';

/**
 * The OPC UA trip output against a real node-opcua server in this process: writes verified by
 * read-back and timed at the server, the server's refusals reported with its StatusCode, method
 * calls, hung and lost connections, and no trip replayed after an outage.
 */

const trip = (assetId: string, commandId?: string) => ({ assetId, decidedAtMs: 1_000, reason: 'velocity 9.1 mm/s ≥ danger 7.1', ...(commandId ? { commandId } : {}) });
const noFailures = { mismatch: 0, rejected: 0, timeout: 0, disconnected: 0 };

/** Every outcome an output reports, with a way to wait for the one of command `seq`. */
function recordOutcomes(out: OpcuaTripOutput) {
  const all: OpcuaTripOutcome[] = [];
  out.onOutcome((o) => all.push(o));
  return { all, of: (seq: number, timeoutMs = 5000) => waitFor(() => all.find((o) => o.seq === seq), timeoutMs, () => `the outcome of command ${seq} (have ${JSON.stringify(all)})`) };
}

describe('OpcuaTripOutput (node-opcua server)', () => {
  let server: PlantServer;
  let clientPki: string;
  const leaks = new LeakCheck();

  beforeAll(async () => {
    server = await PlantServer.start(['pump-1', 'fan-2']);
    clientPki = mkdtempSync(join(tmpdir(), 'vigil-opcua-client-pki-'));
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(clientPki, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.resetTrips();
    leaks.begin();
  });
  afterEach(() => leaks.end());

  async function output(nodes: OpcuaTripOutputOptions['nodes'], extra: Partial<OpcuaTripOutputOptions> = {}): Promise<OpcuaTripOutput> {
    const out = leaks.add(new OpcuaTripOutput({ endpointUrl: server.endpointUrl, pkiFolder: clientPki, nodes, reconnect: { initialDelayMs: 100, maxDelayMs: 400 }, ...extra }));
    await out.whenConnected(10_000);
    return out;
  }

  it('given a connected output, when an asset is tripped, then the receipt comes back at once, the server sees true written, and the outcome is verified by read-back with the write latency', async () => {
    const out = await output({ 'pump-1': server.nodeId('pump-1', 'trip'), 'fan-2': server.nodeId('fan-2', 'trip') });
    const log = recordOutcomes(out);

    const sentNs = process.hrtime.bigint();
    const receipt = out.requestTrip(trip('fan-2', 'estop-1'));
    expect(log.all).toEqual([]); // returned before the server answered
    const o = await log.of(1);

    expect(receipt).toEqual({ actuator: `opcua:${server.endpointUrl}`, commandedAtMs: expect.any(Number) });
    expect(o).toEqual({
      assetId: 'fan-2', commandId: 'estop-1', seq: 1, commandedAtMs: receipt.commandedAtMs, verifiedAtMs: expect.any(Number),
      writeMs: expect.any(Number), latencyMs: expect.any(Number), outcome: 'verified', serverStatus: 'Good', acknowledged: true,
      detail: `${server.nodeId('fan-2', 'trip')} reads true`,
    });
    expect(o.writeMs!).toBeGreaterThan(0);
    expect(o.latencyMs).toBeGreaterThanOrEqual(o.writeMs!);
    expect(o.verifiedAtMs!).toBeGreaterThanOrEqual(o.commandedAtMs);
    expect(server.trips('fan-2')).toEqual([{ via: 'write', value: true, atNs: expect.any(BigInt) }]);
    expect(server.trips('pump-1')).toEqual([]);
    // The server saw the write after it was requested and before its answer came back.
    const atServerMs = Number(server.trips('fan-2')[0]!.atNs - sentNs) / 1e6;
    expect(atServerMs).toBeGreaterThan(0);
    expect(atServerMs).toBeLessThanOrEqual(o.writeMs! + 0.5);
    expect(out.counters()).toEqual({ commands: 1, verified: 1, acknowledged: 0, refused: 0, failures: noFailures, lateAnswers: 0, listenerErrors: 0, link: { connects: 1, disconnects: 0, reconnects: 0, reconnectAttempts: 0, setupFailures: 0, lastError: null } });
  });

  it('given assets whose trip is a method, then the call is acknowledged, or verified through its read-back variable', async () => {
    const method = (a: string) => ({ objectId: server.nodeId(a, ''), methodId: server.nodeId(a, 'Trip') });
    const out = await output({ 'pump-1': method('pump-1'), 'fan-2': { ...method('fan-2'), readBack: server.nodeId('fan-2', 'trip') } });
    const log = recordOutcomes(out);

    out.requestTrip(trip('pump-1'));
    out.requestTrip(trip('fan-2'));
    const [a, b] = [await log.of(1), await log.of(2)];

    expect(a).toMatchObject({ assetId: 'pump-1', outcome: 'acknowledged', serverStatus: 'Good', acknowledged: true, verifiedAtMs: null, detail: `the server accepted the call of ${server.nodeId('pump-1', 'Trip')} on ${server.nodeId('pump-1', '')}` });
    expect(b).toMatchObject({ assetId: 'fan-2', outcome: 'verified', serverStatus: 'Good', detail: `${server.nodeId('fan-2', 'trip')} reads true` });
    expect(server.trips('pump-1').map((t) => t.via)).toEqual(['method']);
    expect(server.trips('fan-2').map((t) => t.via)).toEqual(['method']); // and the read-back saw the variable it set
    expect(out.counters()).toMatchObject({ commands: 2, verified: 1, acknowledged: 1, failures: noFailures });
  });

  it('given targets the server refuses (read-only, unknown node, a namespace it lacks), then each outcome carries the server\'s status or a clear refusal, and valid trips still go', async () => {
    const out = await output({
      'pump-1': server.nodeId('pump-1', 'tripLocked'),
      ghost: 'ns=1;s=ghost.trip',
      'fan-2': server.nodeId('fan-2', 'trip'),
      elsewhere: 'nsu=urn:vigil:nowhere;s=x.trip',
    });
    const log = recordOutcomes(out);

    out.requestTrip(trip('pump-1'));
    out.requestTrip(trip('ghost'));
    const refusal = (() => {
      try {
        out.requestTrip(trip('elsewhere'));
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    })();
    out.requestTrip(trip('fan-2'));
    const [locked, ghost, fan] = [await log.of(1), await log.of(2), await log.of(3)];

    expect(locked).toMatchObject({ outcome: 'rejected', serverStatus: 'BadNotWritable', acknowledged: false, verifiedAtMs: null, detail: `the server refused the write of true to ${server.nodeId('pump-1', 'tripLocked')}: BadNotWritable` });
    expect(locked.writeMs!).toBeGreaterThan(0);
    expect(ghost).toMatchObject({ outcome: 'rejected', serverStatus: 'BadNodeIdUnknown', detail: 'the server refused the write of true to ns=1;s=ghost.trip: BadNodeIdUnknown' });
    expect(refusal).toMatch(/: the trip target of asset "elsewhere" does not resolve on this server: namespace urn:vigil:nowhere is not on the server \(it has .*\) \(BadNodeIdUnknown\); trip NOT sent$/);
    expect(fan).toMatchObject({ outcome: 'verified' });
    expect(out.counters()).toMatchObject({ commands: 3, verified: 1, refused: 1, failures: { ...noFailures, rejected: 2 } });
    expect(server.trips('pump-1')).toEqual([]);
  });

  it('given a variable the controller resets at once, then the accepted write is reported as a mismatch, not verified; with read-back off it is only acknowledged', async () => {
    const out = await output({ 'pump-1': server.nodeId('pump-1', 'tripLatch') });
    const unverified = await output({ 'pump-1': server.nodeId('pump-1', 'tripLatch') }, { verify: false });
    const log = recordOutcomes(out);
    const log2 = recordOutcomes(unverified);

    out.requestTrip(trip('pump-1'));
    unverified.requestTrip(trip('pump-1'));

    expect(await log.of(1)).toMatchObject({ outcome: 'mismatch', serverStatus: 'Good', acknowledged: true, verifiedAtMs: null, detail: `the server accepted the write of true to ${server.nodeId('pump-1', 'tripLatch')}, but ${server.nodeId('pump-1', 'tripLatch')} reads false` });
    expect(await log2.of(1)).toMatchObject({ outcome: 'acknowledged', serverStatus: 'Good', acknowledged: true, detail: `the server accepted the write of true to ${server.nodeId('pump-1', 'tripLatch')}; read-back is off` });
    expect(server.trips('pump-1').map((t) => t.value)).toEqual([true, true]);
  });

  it('given an asset without a target or a malformed node id, then requestTrip or the constructor throws a clear error and nothing is sent', async () => {
    const out = await output({ 'pump-1': server.nodeId('pump-1', 'trip') });
    expect(() => out.requestTrip(trip('compressor-9'))).toThrow('no OPC UA trip node configured for asset "compressor-9" (configured: pump-1); trip NOT sent');
    expect(() => new OpcuaTripOutput({ endpointUrl: server.endpointUrl, nodes: { 'pump-1': 'pump-1.trip' } })).toThrow(`opcua:${server.endpointUrl}: trip targets: not an OPC UA node id (expected e.g. "ns=2;s=P101.Trip" or "nsu=urn:plant:plc;i=1042"): "pump-1.trip"`);
    expect(out.counters()).toMatchObject({ commands: 0, refused: 0 });
    expect(server.trips('pump-1')).toEqual([]);
  });

  it('given a controller that does not answer, then the outcome is a timeout within the request timeout, its late answer is counted and logged, and the next trip is verified', async () => {
    const lines: string[] = [];
    const out = await output({ 'pump-1': { objectId: server.nodeId('pump-1', ''), methodId: server.nodeId('pump-1', 'Stall') }, 'fan-2': server.nodeId('fan-2', 'trip') }, { requestTimeoutMs: 300, log: (l) => lines.push(l) });
    const log = recordOutcomes(out);

    out.requestTrip(trip('pump-1'));
    const hung = await log.of(1);
    server.releaseStalls();
    await waitFor(() => out.counters().lateAnswers === 1, 2000, () => 'the late answer to be counted');
    out.requestTrip(trip('fan-2'));

    expect(hung).toMatchObject({ outcome: 'timeout', serverStatus: null, acknowledged: false, writeMs: null });
    expect(hung.detail).toBe(`no answer to the call of ${server.nodeId('pump-1', 'Stall')} on ${server.nodeId('pump-1', '')} within 300 ms`);
    expect(hung.latencyMs).toBeGreaterThanOrEqual(290);
    expect(hung.latencyMs).toBeLessThan(1500);
    expect(await log.of(2)).toMatchObject({ assetId: 'fan-2', outcome: 'verified' });
    expect(lines.filter((l) => l.includes('timed out'))).toEqual([expect.stringMatching(new RegExp(`^opcua:.*: the call of ${server.nodeId('pump-1', 'Stall')} on ${server.nodeId('pump-1', '')} for asset "pump-1" \\(command 1\\) was answered \\d+ ms after it was reported as timed out$`))]);
    expect(log.all).toHaveLength(2); // the late answer is no second outcome
  });

  // Last: it stops and restarts the file's server.
  it('given the server goes away with a trip in flight, then that trip ends disconnected, later trips throw at once, none is replayed after the restart, and a new trip is verified', async () => {
    const out = await output({ 'pump-1': { objectId: server.nodeId('pump-1', ''), methodId: server.nodeId('pump-1', 'Stall') }, 'fan-2': server.nodeId('fan-2', 'trip') });
    const log = recordOutcomes(out);

    out.requestTrip(trip('pump-1', 'estop-7'));
    await sleep(100); // on the server, waiting
    await leaks.untracked(() => server.stop());
    const lost = await log.of(1);
    await waitFor(() => !out.connected, 2000, () => 'the output to notice the server is gone');
    const t0 = performance.now();
    let refusal: string | null = null;
    try {
      out.requestTrip(trip('fan-2', 'estop-8'));
    } catch (err) {
      refusal = (err as Error).message;
    }
    const refusedInMs = performance.now() - t0;

    await leaks.untracked(() => server.restart());
    await out.whenConnected(15_000);
    await sleep(300);
    const replayed = server.trips('fan-2').length;
    out.requestTrip(trip('fan-2', 'estop-9'));
    const after = await log.of(2);

    expect(lost).toMatchObject({ assetId: 'pump-1', commandId: 'estop-7', outcome: 'disconnected', acknowledged: false, serverStatus: null });
    expect(refusal).toMatch(new RegExp(`^opcua:${server.endpointUrl.replace(/\./g, '\\.')}: not connected to the OPC UA server \\(reconnecting to .*\\); trip of asset "fan-2" NOT sent$`));
    expect(refusedInMs).toBeLessThan(5);
    expect(replayed).toBe(0);
    expect(after).toMatchObject({ assetId: 'fan-2', commandId: 'estop-9', seq: 2, outcome: 'verified' });
    expect(server.trips('fan-2')).toEqual([{ via: 'write', value: true, atNs: expect.any(BigInt) }]);
    expect(out.counters()).toMatchObject({ commands: 2, verified: 1, refused: 1, failures: { ...noFailures, disconnected: 1 }, link: { connects: 2, disconnects: 1, reconnects: 1 } });
  });
});
