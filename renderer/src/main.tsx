import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { FleetPage } from './FleetPage';
import { httpBridge } from './httpBridge';

// Inside Electron the preload has exposed window.vigil (status only, for now: the console protocol
// is not on the IPC bridge yet), so the desktop window shows the fleet. In a plain browser
// `vigil serve` provides the status over HTTP for the signed-out fleet, and the full console over
// its WebSocket after sign-in.
const host = window as Partial<Pick<Window, 'vigil'>> & Window;
const desktop = host.vigil !== undefined;
if (!host.vigil) host.vigil = httpBridge(window.location.origin);
const bridge = host.vigil;

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
createRoot(root).render(<StrictMode>{desktop ? <FleetPage source={bridge} /> : <App baseUrl={window.location.origin} anonymous={bridge} />}</StrictMode>);
