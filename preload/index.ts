import { contextBridge, ipcRenderer } from 'electron';
import { PlantStatusSchema, type PlantStatus } from '../engine/contract';
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
};

contextBridge.exposeInMainWorld('vigil', api);
