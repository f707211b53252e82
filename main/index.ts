import { app, BrowserWindow, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PlantStatusSchema, type PlantStatus } from '../engine/contract';
import { IPC } from '../preload/channels';

/**
 * The Electron main process: a thin adapter. The engine runs in a worker thread so that neither
 * a busy window nor anything else on this thread can delay a trip; main only relays validated
 * status snapshots to the renderer over typed IPC.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
let latest: PlantStatus | null = null;

function startEngine(): Worker {
  const worker = new Worker(new URL('./engineWorker.js', import.meta.url), { workerData: { dbPath: join(app.getPath('userData'), 'vigil.sqlite') } });
  worker.on('message', (msg: unknown) => {
    const parsed = PlantStatusSchema.safeParse(msg);
    if (!parsed.success) {
      console.error('engine worker sent an invalid status', parsed.error.message);
      return;
    }
    latest = parsed.data;
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC.status, latest);
  });
  worker.on('error', (err) => console.error('engine worker failed', err));
  return worker;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Vigil',
    webPreferences: {
      preload: `${here}../preload/index.cjs`,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(`${here}../renderer/index.html`);
  return win;
}

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  ipcMain.handle(IPC.getStatus, () => latest);
  const worker = startEngine();
  createWindow();
  app.on('window-all-closed', () => {
    void worker.terminate();
    app.quit();
  });
});
