import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsolePushSchema, ConsoleReplySchema, TripReceiptSchema, type ConsoleReply } from '../../engine/contract';
import { EngineThread } from '../../engine/service/EngineThread';
import { ConsoleBridge, DESKTOP_TOKEN, MAX_IPC_MESSAGE_CHARS, SESSION_ENDED_FRAME } from '../../main/consoleBridge';

/**
 * The desktop app's IPC side of the console protocol, without Electron: the bridge main wires to
 * `ipcMain`, in front of the real engine thread. Two windows; frames are collected per window.
 */

let engine: EngineThread;
const frames = new Map<number, string[]>();
let bridge: ConsoleBridge;

beforeAll(async () => {
  engine = await EngineThread.start({ dbPath: ':memory:', statusIntervalMs: 250 });
  bridge = new ConsoleBridge(
    () => engine,
    (id, frame) => frames.set(id, [...(frames.get(id) ?? []), frame]),
  );
}, 60_000);
afterAll(() => engine.stop(), 60_000);

const replies = (id: number): ConsoleReply[] => (frames.get(id) ?? []).map((f) => JSON.parse(f) as unknown).flatMap((m) => {
  const r = ConsoleReplySchema.safeParse(m);
  return r.success ? [r.data] : [];
});
async function ask(windowId: number, req: Record<string, unknown>): Promise<ConsoleReply> {
  bridge.request(windowId, JSON.stringify(req));
  await expect.poll(() => replies(windowId).some((r) => r.id === req.id), { timeout: 10_000 }).toBe(true);
  return replies(windowId).find((r) => r.id === req.id)!;
}

describe('the desktop console bridge', () => {
  it('signs in locally, keeps the token in main, and routes each reply to the window that asked', async () => {
    expect(await bridge.needsSetup()).toBe(true);
    const setup = await bridge.setup(1, { userName: 'ada', secret: 'correct horse battery' });
    expect(setup).toMatchObject({ ok: true, reply: { token: DESKTOP_TOKEN, session: { userName: 'ada', role: 'admin' } } });
    expect((await ask(1, { id: 'u', method: 'users.create', userName: 'olga', role: 'operator', secretKind: 'pin', secret: '582914' })).ok).toBe(true);

    const wrong = await bridge.signIn(2, { userName: 'olga', secret: '000000' });
    expect(wrong.ok).toBe(false);
    // Window 2 is not signed in: its request is refused, window 1 hears nothing of it.
    expect(await ask(2, { id: 'x', method: 'status' })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(replies(1).some((r) => r.id === 'x')).toBe(false);

    expect(await bridge.signIn(2, { userName: 'olga', secret: '582914' })).toMatchObject({ ok: true, reply: { session: { role: 'operator' } } });
    const stop = await ask(2, { id: 'stop', method: 'trip', target: 'fan-201', reason: 'bearing screaming, stop it' });
    expect(TripReceiptSchema.array().parse(stop.ok ? stop.value : null)[0]!.assetId).toBe('fan-201');
    // An operator's reset is refused by role, through the same host as the web.
    expect(await ask(2, { id: 'reset', method: 'reset', assetId: 'fan-201', reason: 'try to restart' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  }, 60_000);

  it('answers malformed messages with bad_request and acts on none of them', async () => {
    const before = bridge.refused;
    bridge.request(2, { id: 'not-text' });
    bridge.request(2, '{"id": "broken"');
    bridge.request(2, 'x'.repeat(MAX_IPC_MESSAGE_CHARS + 1));
    const bad = await ask(2, { id: 'b', method: 'trip', target: '*', reason: '' });
    expect(bridge.refused - before).toBe(3);
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(replies(2).filter((r) => r.id === '' && !r.ok && r.error.code === 'bad_request')).toHaveLength(3);
  }, 60_000);

  it('pushes the status to signed-in windows only, and the engine note while the engine does not answer', async () => {
    frames.clear();
    await bridge.push(engine.status(), engine.note());
    expect((frames.get(1) ?? []).map((f) => ConsolePushSchema.safeParse(JSON.parse(f)).data?.type)).toContain('status');
    expect(await bridge.signOut(1)).toBe(true);
    frames.clear();
    await bridge.push(engine.status(), { state: 'not-answering', detail: 'no word from the engine thread for 4 s' });
    expect(frames.get(1)).toBeUndefined();
    const types = (frames.get(2) ?? []).map((f) => (JSON.parse(f) as { type: string }).type);
    expect(types).toEqual(['engine', 'status']);
  }, 60_000);

  it('tells a window when its session ended at the host, and stops pushing to it', async () => {
    const short = await EngineThread.start({ dbPath: ':memory:', statusIntervalMs: 250, sessionTtlMs: 1500 });
    try {
      const seen: string[] = [];
      const b = new ConsoleBridge(() => short, (_id, f) => seen.push(f));
      expect((await b.setup(7, { userName: 'ada', secret: 'correct horse battery' })).ok).toBe(true);
      await b.push(short.status(), short.note());
      expect(seen.map((f) => (JSON.parse(f) as { type: string }).type)).toEqual(['status']);
      await new Promise((r) => setTimeout(r, 1600));
      seen.length = 0;
      await b.push(short.status(), short.note());
      expect(seen).toEqual([SESSION_ENDED_FRAME]);
      expect(b.signedIn).toBe(0);
      seen.length = 0;
      await b.push(short.status(), short.note());
      expect(seen).toEqual([]);
    } finally {
      await short.stop();
    }
  }, 60_000);
});
