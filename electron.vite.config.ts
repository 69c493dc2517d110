import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Bundled rather than loaded from node_modules: zod alone is dozens of
      // ES modules, and resolving, reading and linking them was the largest
      // part of a short command's start (`aios policy check`).
      externalizeDeps: { exclude: ['zod', 'smol-toml', 'picomatch', 'diff'] },
      rollupOptions: {
        input: {
          // The Electron entry and the `aios` CLI share the core.
          index: resolve(import.meta.dirname, 'src/hosts/electron/main.ts'),
          cli: resolve(import.meta.dirname, 'src/hosts/cli.ts'),
          // The core's utility process (utilityProcess.fork from the Electron entry).
          'core-host': resolve(import.meta.dirname, 'src/hosts/core-host/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only `electron`: bundle everything
      // else into one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') },
      },
    },
  },
});
