import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { EngineThreadStateSchema, PlantStatusSchema, SignInReplySchema, SignInSchema, type EngineThreadState, type PlantStatus } from '../engine/contract';
import type { DesktopConsoleApi, VigilApi } from '../engine/contract/api';
import { IPC } from './channels';

/**
 * Exposes the typed contract as `window.vigil`, nothing else (no ipcRenderer, no Node). Every
 * message from main is parsed with its zod schema before the renderer sees it; console frames are
 * parsed by the renderer's console client, exactly as it parses the WebSocket's.
 */
const SignInAnswerSchema = z.union([z.object({ ok: z.literal(true), reply: SignInReplySchema }), z.object({ ok: z.literal(false), reason: z.string() })]);

const desktopConsole: DesktopConsoleApi = {
  async needsSetup() {
    return z.boolean().parse(await ipcRenderer.invoke(IPC.needsSetup));
  },
  async signIn(input) {
    return SignInAnswerSchema.parse(await ipcRenderer.invoke(IPC.signIn, SignInSchema.parse(input)));
  },
  async setup(input) {
    return SignInAnswerSchema.parse(await ipcRenderer.invoke(IPC.setup, SignInSchema.parse(input)));
  },
  async signOut() {
    await ipcRenderer.invoke(IPC.signOut);
  },
  send(frame) {
    if (typeof frame === 'string') ipcRenderer.send(IPC.request, frame);
  },
  onMessage(listener) {
    const handler = (_e: unknown, frame: unknown): void => {
      if (typeof frame === 'string') listener(frame);
    };
    ipcRenderer.on(IPC.message, handler);
    return () => ipcRenderer.off(IPC.message, handler);
  },
};

const api: VigilApi = {
  async getStatus(): Promise<PlantStatus | null> {
    const raw: unknown = await ipcRenderer.invoke(IPC.getStatus);
    return raw === null ? null : PlantStatusSchema.parse(raw);
  },
  onStatus(listener: (status: PlantStatus) => void): () => void {
    const handler = (_e: unknown, raw: unknown): void => {
      const parsed = PlantStatusSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
    };
    ipcRenderer.on(IPC.status, handler);
    return () => ipcRenderer.off(IPC.status, handler);
  },
  onEngineState(listener: (state: EngineThreadState) => void): () => void {
    const handler = (_e: unknown, raw: unknown): void => {
      const parsed = EngineThreadStateSchema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
    };
    ipcRenderer.on(IPC.engine, handler);
    void ipcRenderer.invoke(IPC.getEngineState).then(handler.bind(null, null));
    return () => ipcRenderer.off(IPC.engine, handler);
  },
  console: desktopConsole,
};

contextBridge.exposeInMainWorld('vigil', api);
