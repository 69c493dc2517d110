import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { repoRoot } from '../support/process';

/**
 * The `aios` command keeps V8's compiled code in the person's own cache
 * folder (never Node's default under /tmp, which every user shares), and
 * still runs where that folder cannot be made.
 */

const bin = path.join(repoRoot, 'bin', 'aios.mjs');
const node = path.join(repoRoot, 'node_modules', '.bin', 'node');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-compile-cache-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function aios(env: Record<string, string>, ...args: string[]) {
  return spawnSync(node, [bin, ...args], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      XDG_CONFIG_HOME: path.join(home, 'xdg'),
      AIOS_CONFIG_DIR: path.join(home, 'config'),
      ...env,
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe.skipIf(!fs.existsSync(path.join(repoRoot, 'out', 'main', 'cli.js')))('the compile cache of the aios command', () => {
  it('lives in $XDG_CACHE_HOME/aios, readable by its owner only', () => {
    const cache = path.join(home, 'cache');
    const r = aios({ HOME: home, XDG_CACHE_HOME: cache }, '--version');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(pkg.version);
    const dir = path.join(cache, 'aios', 'node-compile-cache');
    const versions = fs.readdirSync(dir);
    expect(versions).toHaveLength(1);
    expect(fs.readdirSync(path.join(dir, versions[0]!)).length).toBeGreaterThan(0);
    expect(fs.statSync(path.join(cache, 'aios')).mode & 0o777).toBe(0o700);
  });

  it('falls back to ~/.cache/aios without XDG_CACHE_HOME', () => {
    const r = aios({ HOME: home }, '--version');
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(home, '.cache', 'aios', 'node-compile-cache'))).toBe(true);
  });

  it('runs uncached, and ends, where the folder cannot be made', () => {
    // Under /proc a new entry fails with ENOENT, on which Node's own recursive mkdir loops for ever.
    const r = aios({ HOME: '/proc/no-such-home', XDG_CACHE_HOME: '/proc/no-such-cache' }, '--version');
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
