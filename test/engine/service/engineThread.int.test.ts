import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ConsolePushSchema, ConsoleReplySchema, SessionInfoSchema, TripReceiptSchema, type ConsoleReply } from '../../../engine/contract';
import { startConsoleServer } from '../../../engine/service/consoleServer';
import { EngineThread } from '../../../engine/service/EngineThread';

/**
 * `vigil serve`'s shape: the demo console in its own engine thread, the WebSocket server on this
 * one. The whole protocol crosses the thread boundary: sign-in, requests, the emergency stop with
 * its receipt, garbage, and an engine thread that dies under a waiting request.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** A signed-in socket that collects replies by id and status pushes. */
async function socket(wsUrl: string, token: string) {
  const ws = new WebSocket(`${wsUrl}/ws?token=${token}`);
  const replies = new Map<string, ConsoleReply>();
  const pushes: string[] = [];
  ws.on('message', (data) => {
    const msg: unknown = JSON.parse(String(data));
    const r = ConsoleReplySchema.safeParse(msg);
    if (r.success) replies.set(r.data.id, r.data);
    else pushes.push(ConsolePushSchema.parse(msg).type);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const ask = async (req: Record<string, unknown>): Promise<ConsoleReply> => {
    ws.send(JSON.stringify(req));
    await expect.poll(() => replies.has(req.id as string), { timeout: 15_000 }).toBe(true);
    return replies.get(req.id as string)!;
  };
  return { ws, ask, pushes, replies };
}

describe('the console in its own engine thread', () => {
  it('serves sign-in, requests and the emergency stop across the thread, and answers garbage without harm', async () => {
    const engine = await EngineThread.start({ dbPath: join(dir, 'thread.sqlite'), statusIntervalMs: 250 });
    const server = await startConsoleServer({ host: engine, status: () => engine.status(), engineNote: () => engine.note(), statusEvents: (l) => engine.onStatus(l), port: 0, pushIntervalMs: 250 });
    try {
      expect(await engine.needsSetup()).toBe(true);
      const admin = await post(`${server.url}/setup`, { userName: 'ada', secret: 'correct horse battery' });
      expect(admin.status).toBe(200);
      const adminToken = (admin.body as { token: string }).token;
      const a = await socket(server.url.replace(/^http/, 'ws'), adminToken);
      const created = await a.ask({ id: 'u1', method: 'users.create', userName: 'olga', role: 'operator', secretKind: 'pin', secret: '582914' });
      expect(created.ok).toBe(true);
      a.ws.close();

      const olga = await post(`${server.url}/session`, { userName: 'olga', secret: '582914' });
      expect(olga.status).toBe(200);
      const s = await socket(server.url.replace(/^http/, 'ws'), (olga.body as { token: string }).token);
      const who = await s.ask({ id: 'w', method: 'whoami' });
      expect(who.ok && SessionInfoSchema.parse(who.value)).toMatchObject({ userName: 'olga', role: 'operator' });
      await expect.poll(() => s.pushes.includes('status'), { timeout: 10_000 }).toBe(true);

      const stop = await s.ask({ id: 'stop-1', method: 'trip', target: 'pump-101', reason: 'smoke from the coupling guard' });
      expect(stop.ok).toBe(true);
      const [receipt] = TripReceiptSchema.array().parse(stop.ok ? stop.value : null);
      expect(receipt!.assetId).toBe('pump-101');
      // The host-side latency is measured in the engine thread, from the message's arrival there.
      expect(receipt!.latencyUs).toBeLessThan(20_000);
      await expect.poll(() => engine.status()?.assets.find((x) => x.assetId === 'pump-101')?.latched, { timeout: 5000 }).toBe(true);
      // The trip output thread's actuator took it, once, though both the host and the engine thread sent it.
      expect(receipt!.actuator).toBe('builtin-recorder');
      const once = await engine.commandedTrips();
      expect(once.map((t) => [t.assetId, t.commandId, t.reason])).toEqual([['pump-101', receipt!.commandId, 'operator e-stop by olga: smoke from the coupling guard']]);

      // The same id again: remembered, not acted on twice.
      s.replies.delete('stop-1');
      const again = await s.ask({ id: 'stop-1', method: 'trip', target: 'pump-101', reason: 'smoke from the coupling guard' });
      expect(again).toEqual(stop);
      // Every machine: one command each, and the audit trail has the two stops.
      const all = await s.ask({ id: 'stop-all', method: 'trip', target: '*', reason: 'fire alarm in hall 2' });
      const allReceipts = TripReceiptSchema.array().parse(all.ok ? all.value : null);
      const assets = engine.status()!.assets.map((x) => x.assetId);
      expect(allReceipts.map((r) => r.assetId)).toEqual(assets);
      const trips = await engine.commandedTrips();
      expect(trips).toHaveLength(1 + assets.length);
      expect(new Set(trips.slice(1).map((t) => t.commandId))).toEqual(new Set([allReceipts[0]!.commandId]));

      // Garbage: each answered, nothing crashes, the thread still answers.
      for (let i = 0; i < 200; i++) s.ws.send(i % 2 ? `{"id":"g${i}","method":"trip","target":7}` : `{"id":"g${i}","method":"nope"}`);
      const after = await s.ask({ id: 'after', method: 'status' });
      expect(after.ok).toBe(true);
      expect([...s.replies.keys()].filter((k) => k.startsWith('g')).length).toBe(200);
      expect([...s.replies.values()].filter((r) => r.id.startsWith('g')).every((r) => !r.ok && r.error.code === 'bad_request')).toBe(true);
      s.ws.close();
    } finally {
      await server.close();
      await engine.stop();
    }
  }, 120_000);

  it('given no early stop (no role trusted), then the engine thread sends the stop and the reply still carries the actuator\'s own receipt', async () => {
    const engine = await EngineThread.start({ dbPath: ':memory:', statusIntervalMs: 250, roleTrustedMs: 0 });
    try {
      const admin = await engine.setup({ userName: 'ada', secret: 'correct horse battery' }, { remote: false });
      const token = admin.ok ? admin.reply.token : '';
      await expect.poll(() => engine.status() !== null, { timeout: 10_000 }).toBe(true);
      const reply = await engine.handle(token, { id: 's1', method: 'trip', target: 'fan-201', reason: 'belt squeal' });
      const [r] = TripReceiptSchema.array().parse(reply.ok ? reply.value : null);
      expect(r).toMatchObject({ assetId: 'fan-201', actuator: 'builtin-recorder', commandId: expect.stringMatching(/^estop-/) });
      expect((await engine.commandedTrips()).map((t) => t.commandId)).toEqual([r!.commandId]);
    } finally {
      await engine.stop();
    }
  }, 60_000);

  it('says so when the engine thread dies: a waiting request is answered with an error, never left hanging', async () => {
    const engine = await EngineThread.start({ dbPath: ':memory:', statusIntervalMs: 250, callTimeoutMs: 4000 });
    const exits: string[] = [];
    engine.onExit((r) => exits.push(r));
    const admin = await engine.setup({ userName: 'ada', secret: 'correct horse battery' }, { remote: false });
    expect(admin.ok).toBe(true);
    const token = admin.ok ? admin.reply.token : '';
    const waiting = engine.handle(token, { id: 'k1', method: 'alarms.list' });
    await engine.kill();
    const reply = await waiting;
    // Either it was answered before the thread went, or it says the engine stopped: never silence.
    if (!reply.ok) expect(reply.error.code).toBe('engine_stopped');
    const later = await engine.handle(token, { id: 'k2', method: 'status' });
    expect(later).toMatchObject({ ok: false, id: 'k2', error: { code: 'engine_stopped' } });
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatch(/exited with code/);
  }, 60_000);
});
