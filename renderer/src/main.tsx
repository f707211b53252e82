import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { desktopAccess, webAccess } from './consoleClient';
import { httpBridge } from './httpBridge';

// Inside Electron the preload has exposed window.vigil: the status for the signed-out fleet and
// the console protocol through main. In a plain browser `vigil serve` provides the status over
// HTTP and the console over its WebSocket after sign-in. The pages are the same.
const host = window as Partial<Pick<Window, 'vigil'>> & Window;
const desktop = host.vigil?.console;
const bridge = host.vigil ?? httpBridge(window.location.origin);
const access = desktop ? desktopAccess(desktop) : webAccess(window.location.origin);

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
createRoot(root).render(
  <StrictMode>
    <App access={access} anonymous={bridge} />
  </StrictMode>,
);
