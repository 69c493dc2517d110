import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { repoRoot } from '../support/process';

/**
 * `bin/aios.mjs` on a Node older than package.json's engines must say which
 * Node it needs before anything native is loaded (Node 20 segfaulted in
 * better-sqlite3 and `aios web` died without a word).
 */

const bin = path.join(repoRoot, 'bin', 'aios.mjs');
const needed = Number(/>=\s*(\d+)/.exec(pkg.engines.node)?.[1]);
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-node-version-'));
const env = {
  PATH: '/usr/bin:/bin',
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, 'xdg'),
  AIOS_CONFIG_DIR: path.join(home, 'config'),
  AIOS_DATA_DIR: path.join(home, 'data'),
};
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** The system's Node when it is older than the one aios needs (Debian's Node 20 on these machines). */
function olderSystemNode(): { path: string; major: number } | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const major = Number(r.stdout?.split('.')[0]);
    if (r.status === 0 && major < needed) return { path: candidate, major };
  }
  return undefined;
}

const older = olderSystemNode();

describe('aios on a Node older than it needs', () => {
  it.skipIf(older === undefined)(
    `names the Node it needs and how to get it, for every command (system Node ${older?.major ?? 'is new enough: nothing to run'})`,
    () => {
      for (const args of [['memory', 'count'], ['web', '--port', '0'], ['policy', 'check', '--', 'ls -la'], ['doctor'], ['chat']]) {
        const r = spawnSync(older?.path as string, [bin, ...args], { encoding: 'utf8', env, cwd: home, timeout: 30_000 });
        expect(r.signal, args.join(' ')).toBeNull();
        expect(r.status, args.join(' ')).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trim().split('\n');
        expect(lines, args.join(' ')).toHaveLength(1);
        expect(lines[0]).toContain(`aios needs Node ${needed} or newer; this is Node ${older?.major}.`);
        expect(lines[0]).toContain(`npm run aios -- ${args[0]}`);
        expect(lines[0]).toContain(path.join(repoRoot, 'node_modules', '.bin', 'node'));
      }
    },
  );

  it('reads the needed version from package.json: a copy that asks for Node 999 refuses this Node', () => {
    const copy = path.join(home, 'copy');
    fs.mkdirSync(path.join(copy, 'bin'), { recursive: true });
    fs.copyFileSync(bin, path.join(copy, 'bin', 'aios.mjs'));
    fs.writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ name: 'aios', type: 'module', engines: { node: '>=999' } }));
    const r = spawnSync(process.execPath, [path.join(copy, 'bin', 'aios.mjs'), 'memory', 'count'], { encoding: 'utf8', env, cwd: home });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      `aios needs Node 999 or newer; this is Node ${process.versions.node} (${process.execPath}). Install Node 999 or newer (for example from your distribution or nodejs.org) and run aios with it.`,
    );
  });

  it('runs on the Node it needs', () => {
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8', env, cwd: home });
    if (!fs.existsSync(path.join(repoRoot, 'out', 'main', 'cli.js'))) {
      expect(r.stderr).toContain('aios is not built');
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(pkg.version);
  });
});
