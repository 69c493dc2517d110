import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh directory under the OS temp dir, removed by `cleanup()`. Tests use
 * one per test (beforeEach/afterEach) so nothing leaks between them.
 */
export interface TempDir {
  path: string;
  join: (...parts: string[]) => string;
  cleanup: () => void;
}

export function makeTempDir(prefix = 'aios-test-'): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    path: dir,
    join: (...parts) => path.join(dir, ...parts),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * An environment that keeps a child process away from the real home and
 * config: HOME, XDG_CONFIG_HOME, XDG_DATA_HOME and AIOS_CONFIG_DIR all point
 * into `dir`. PATH is the test runner's (node_modules/.bin first under npm).
 */
export function isolatedEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, '.config'),
    XDG_DATA_HOME: path.join(dir, '.local', 'share'),
    AIOS_CONFIG_DIR: path.join(dir, '.config', 'syui', 'ai'),
    ...extra,
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
