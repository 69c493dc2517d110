import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding aios's package.json, whether this code runs from
 * `src/` (tests), `out/main/` (a build) or `/opt/aios` (installed).
 */
export function appRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'aios') return (cached = dir);
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the aios installation above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The built renderer (`electron-vite build` output). */
export function rendererDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.AIOS_RENDERER_DIR ? path.resolve(env.AIOS_RENDERER_DIR) : path.join(appRoot(), 'out', 'renderer');
}
