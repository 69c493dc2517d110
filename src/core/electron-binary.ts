import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Env } from './config/paths';
import { isExecutableFile } from './executable';

export type ElectronLookup = { found: true; binary: string } | { found: false; reason: string };

/**
 * Finds the Electron binary without triggering the electron package's lazy
 * download (which cannot reach its host on these machines): `$AIOS_ELECTRON`,
 * else the binary the `electron` package has already installed.
 */
export function findElectronBinary(env: Env = process.env): ElectronLookup {
  if (env.AIOS_ELECTRON) {
    return isExecutableFile(env.AIOS_ELECTRON)
      ? { found: true, binary: env.AIOS_ELECTRON }
      : { found: false, reason: `$AIOS_ELECTRON points at ${env.AIOS_ELECTRON}, which is not an executable file` };
  }
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!fs.existsSync(pathFile)) {
    return { found: false, reason: `the Electron binary has not been downloaded (${path.join(pkgDir, 'dist')} is missing)` };
  }
  const binary = path.join(pkgDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return isExecutableFile(binary) ? { found: true, binary } : { found: false, reason: `the Electron binary ${binary} is missing` };
}
