import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FleetPage } from './FleetPage';

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
createRoot(root).render(
  <StrictMode>
    <FleetPage />
  </StrictMode>,
);
