import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FleetPage } from './FleetPage';
import { httpBridge } from './httpBridge';

// Inside Electron the preload has exposed window.vigil; in a plain browser `vigil serve` provides it over HTTP.
const host = window as Partial<Pick<Window, 'vigil'>> & Window;
if (!host.vigil) host.vigil = httpBridge(window.location.origin);

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
createRoot(root).render(
  <StrictMode>
    <FleetPage />
  </StrictMode>,
);
