import { app, BrowserWindow, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PlantStatusSchema, type PlantStatus } from '../engine/contract';
import { IPC } from '../preload/channels';
import { APP_CONTENT_SECURITY_POLICY, EngineRestartPolicy, kioskRequested, navigationAllowed, type EngineThreadState } from './windowPolicy';

/**
 * The Electron main process: a thin adapter. The engine runs in a worker thread so that neither
 * a busy window nor anything else on this thread can delay a trip; main relays validated status
 * snapshots to the renderer over typed IPC, restarts the engine thread if it dies (and tells the
 * window), and keeps the window locked down: context isolation, sandbox, no Node in the page, a
 * strict CSP, no navigation away, no new windows, no permissions, one instance per workstation.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
let latest: PlantStatus | null = null;
let engineState: EngineThreadState = { state: 'running' };
const restarts = new EngineRestartPolicy();

function broadcast(channel: string, payload: unknown): void {
  for (const win of BrowserWindow.getAllWindows()) win.webContents.send(channel, payload);
}

function setEngineState(s: EngineThreadState): void {
  engineState = s;
  broadcast(IPC.engine, s);
}

function startEngine(): Worker {
  const worker = new Worker(new URL('./engineWorker.js', import.meta.url), { workerData: { dbPath: join(app.getPath('userData'), 'vigil.sqlite') } });
  restarts.started(Date.now());
  worker.on('message', (msg: unknown) => {
    const parsed = PlantStatusSchema.safeParse(msg);
    if (!parsed.success) {
      console.error('engine worker sent an invalid status', parsed.error.message);
      return;
    }
    latest = parsed.data;
    if (engineState.state !== 'running') setEngineState({ state: 'running' });
    broadcast(IPC.status, latest);
  });
  worker.on('error', (err) => console.error('engine worker failed', err));
  worker.on('exit', (code) => {
    if (quitting) return;
    const next = restarts.died(Date.now(), `exit code ${code}`);
    setEngineState(next);
    if (next.state === 'restarting') setTimeout(() => (engine = startEngine()), next.inMs);
  });
  return worker;
}

function createWindow(): BrowserWindow {
  const kiosk = kioskRequested(process.argv, process.env);
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Vigil',
    kiosk,
    fullscreen: kiosk,
    autoHideMenuBar: kiosk,
    webPreferences: {
      preload: `${here}../preload/index.cjs`,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const appUrl = devUrl ?? pathToFileURL(`${here}../renderer/index.html`).href;
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (e, url) => {
    if (!navigationAllowed(url, appUrl)) e.preventDefault();
  });
  win.webContents.on('will-attach-webview', (e) => e.preventDefault());
  void win.loadURL(appUrl);
  return win;
}

let engine: Worker | null = null;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  // One console per workstation: a second start focuses the running one.
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(() => {
    const s = session.defaultSession;
    s.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
    s.setPermissionCheckHandler(() => false);
    s.webRequest.onHeadersReceived((details, cb) => cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CONTENT_SECURITY_POLICY] } }));
    ipcMain.handle(IPC.getStatus, () => latest);
    ipcMain.handle(IPC.getEngineState, () => engineState);
    engine = startEngine();
    createWindow();
    app.on('window-all-closed', () => {
      quitting = true;
      void engine?.terminate();
      app.quit();
    });
  });
}
