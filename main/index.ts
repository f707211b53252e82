import { app, BrowserWindow, ipcMain, session, webContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PlantStatusSchema, type PlantStatus } from '../engine/contract';
import { EngineThread } from '../engine/service/EngineThread';
import { IPC } from '../preload/channels';
import { ConsoleBridge } from './consoleBridge';
import { APP_CONTENT_SECURITY_POLICY, EngineRestartPolicy, kioskRequested, navigationAllowed, type EngineThreadState } from './windowPolicy';

/**
 * The Electron main process: a thin adapter. The engine, the store and the console protocol run
 * in a worker thread (`EngineThread`), so that neither a busy window nor anything else on this
 * thread can delay a trip; main relays the console protocol between each window and that thread
 * (`ConsoleBridge`: validated, the session's token kept here), pushes validated status snapshots
 * at a fixed rate, restarts the engine thread if it dies (and tells the window), and keeps the
 * window locked down: context isolation, sandbox, no Node in the page, a strict CSP, no navigation
 * away, no new windows, no permissions, one instance per workstation.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
let latest: PlantStatus | null = null;
let engineState: EngineThreadState = { state: 'running' };
const restarts = new EngineRestartPolicy();
const bridge = new ConsoleBridge(
  () => {
    if (!engine) throw new Error('the engine is restarting: try again in a moment');
    return engine;
  },
  (id, frame) => webContents.fromId(id)?.send(IPC.message, frame),
);

function broadcast(channel: string, payload: unknown): void {
  for (const win of BrowserWindow.getAllWindows()) win.webContents.send(channel, payload);
}

function setEngineState(s: EngineThreadState): void {
  engineState = s;
  broadcast(IPC.engine, s);
}

function startEngine(): void {
  // VIGIL_DB and VIGIL_SEED choose the store and the demo plant's seed (a test, a second plant); by default the store is in the user's data folder.
  const seed = Number(process.env['VIGIL_SEED']);
  EngineThread.start({ dbPath: process.env['VIGIL_DB'] ?? join(app.getPath('userData'), 'vigil.sqlite'), ...(Number.isInteger(seed) ? { seed } : {}), log: (line) => console.log(line) }).then(
    (t) => {
      if (quitting) return void t.stop();
      engine = t;
      restarts.started(Date.now());
      if (engineState.state !== 'running') setEngineState({ state: 'running' });
      t.onStatus((raw) => {
        const parsed = PlantStatusSchema.safeParse(raw);
        if (!parsed.success) return console.error('engine thread sent an invalid status', parsed.error.message);
        latest = parsed.data;
        broadcast(IPC.status, latest);
        void bridge.push(latest, t.note()).catch((err: unknown) => console.error('console push failed', err));
      });
      t.onNote((n) => {
        if (n.state !== 'running') void bridge.push(null, n).catch(() => undefined);
      });
      t.onExit((reason) => died(reason));
    },
    (err: unknown) => died(err instanceof Error ? err.message : String(err)),
  );
}

function died(reason: string): void {
  engine = null;
  if (quitting) return;
  const next = restarts.died(Date.now(), reason);
  setEngineState(next);
  if (next.state === 'restarting') setTimeout(startEngine, next.inMs);
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
  const id = win.webContents.id;
  win.webContents.on('destroyed', () => bridge.forget(id));
  void win.loadURL(appUrl);
  return win;
}

let engine: EngineThread | null = null;
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
    ipcMain.handle(IPC.needsSetup, () => bridge.needsSetup());
    ipcMain.handle(IPC.signIn, (e, input: unknown) => bridge.signIn(e.sender.id, input));
    ipcMain.handle(IPC.setup, (e, input: unknown) => bridge.setup(e.sender.id, input));
    ipcMain.handle(IPC.signOut, (e) => bridge.signOut(e.sender.id));
    ipcMain.on(IPC.request, (e, frame: unknown) => bridge.request(e.sender.id, frame));
    startEngine();
    createWindow();
    app.on('window-all-closed', () => {
      quitting = true;
      void (engine?.stop() ?? Promise.resolve()).finally(() => app.quit());
    });
  });
}
