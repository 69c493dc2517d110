import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

/** A hash of the TypeScript under `dirs` and of the named packages' package.json: the identity of code a cache depends on. */
function codeId(dirs: readonly string[], packages: readonly string[]): string {
  const hash = createHash('sha256');
  for (const dir of dirs) {
    const files = readdirSync(resolve(import.meta.dirname, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .sort();
    for (const f of files) hash.update(`${dir}/${f}\0`).update(readFileSync(join(import.meta.dirname, dir, f)));
  }
  for (const pkg of packages) hash.update(readFileSync(resolve(import.meta.dirname, 'node_modules', pkg, 'package.json')));
  return hash.digest('hex').slice(0, 32);
}

/**
 * What the compiled form of a policy pattern depends on: the policy's code
 * and the bash grammar. A pattern cache written by another build is ignored
 * (src/core/policy/rules/pattern-cache.ts).
 */
const policyCodeId = () => codeId(['src/core/policy', 'src/shared'], ['web-tree-sitter', 'tree-sitter-bash']);
/**
 * What validating config.toml gives depends on: the config code (the schema's
 * defaults include the secret variables' patterns), zod and the TOML parser
 * (src/core/config/validated-cache.ts).
 */
const configCodeId = () => codeId(['src/core/config', 'src/core/environment'], ['zod', 'smol-toml']);

export default defineConfig({
  main: {
    define: { __AIOS_POLICY_CODE_ID__: JSON.stringify(policyCodeId()), __AIOS_CONFIG_CODE_ID__: JSON.stringify(configCodeId()) },
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
