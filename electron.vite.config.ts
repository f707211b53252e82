import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';

// main and preload are built for Node/Electron with their dependencies external (native modules
// stay in node_modules); the renderer is a plain web bundle that only sees engine/contract.
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { rollupOptions: { input: { index: resolve('main/index.ts'), consoleWorker: resolve('engine/service/consoleWorker.ts'), tripOutputWorker: resolve('engine/actuate/tripOutputWorker.ts'), embeddedBrokerWorker: resolve('engine/connect/mqtt/embeddedBrokerWorker.ts'), plantWorker: resolve('engine/service/plantWorker.ts'), learnerWorker: resolve('engine/learn/learnerWorker.ts'), storeWorker: resolve('engine/store/storeWorker.ts'), backtestWorker: resolve('engine/config/backtestWorker.ts'), featureWorker: resolve('engine/features/featureWorker.ts') } } },
  },
  preload: {
    // A sandboxed preload cannot require node_modules: zod (the contract's schemas) is bundled in.
    plugins: [externalizeDepsPlugin({ exclude: ['zod'] })],
    build: { rollupOptions: { input: { index: resolve('preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: { rollupOptions: { input: { index: resolve('renderer/index.html') } } },
  },
});
