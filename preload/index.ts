import { contextBridge, ipcRenderer } from 'electron';
import { EngineThreadStateSchema, PlantStatusSchema, type EngineThreadState, type PlantStatus } from '../engine/contract';
import type { VigilApi } from '../engine/contract/api';
import { IPC } from './channels';

/**
 * Exposes the typed contract as `window.vigil`, nothing else. Every message from main is parsed
 * with its zod schema before the renderer sees it.
 */
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
};

contextBridge.exposeInMainWorld('vigil', api);
