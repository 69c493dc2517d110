import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/policy';

/**
 * electron-vite bundles src/hosts/cli.ts into out/main/cli.js with the
 * dependencies left external. The grammar's wasm files must still be found
 * from there (createRequire, not paths relative to the source). This builds
 * the same shape with esbuild (what electron-vite uses for the main process)
 * into a scratch dir inside the repo, so node_modules resolves as it would
 * from out/main, and runs it.
 */

const scratch = path.join(REPO_ROOT, 'node_modules', '.cache', `aios-policy-bundle-${process.pid}`);
const outfile = path.join(scratch, 'out', 'main', 'cli.js');

beforeAll(async () => {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'src', 'hosts', 'cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile,
    packages: 'external',
    // As electron.vite.config.ts does: a built policy keeps its compiled patterns in the cache folder.
    define: { __AIOS_POLICY_CODE_ID__: JSON.stringify('bundle-test'), __AIOS_CONFIG_CODE_ID__: JSON.stringify('bundle-test') },
    logLevel: 'silent',
  });
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('bundled like out/main/cli.js', () => {
  it('finds the wasm grammar from the bundle and decides', () => {
    const home = path.join(scratch, 'home');
    fs.mkdirSync(home, { recursive: true });
    const r = spawnSync(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'node'),
      [outfile, 'policy', 'check', '--json', '--', 'sudo env rm -r -f /'],
      {
        cwd: home,
        env: { PATH: process.env.PATH, HOME: home, AIOS_CONFIG_DIR: home, XDG_CONFIG_HOME: home },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { decision: string }).decision).toBe('deny');
  });

  it('keeps the compiled patterns in the cache folder and decides the same from them', () => {
    const home = path.join(scratch, 'home-cache');
    fs.mkdirSync(home, { recursive: true });
    const check = (command: string) =>
      spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'node'), [outfile, 'policy', 'check', '--json', '--', command], {
        cwd: home,
        env: { PATH: process.env.PATH, HOME: home, AIOS_CONFIG_DIR: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const cacheFile = path.join(home, 'cache', 'aios', 'policy-patterns.json');
    const lines = ['sudo env rm -r -f /', 'ls -la', ':(){ :|:& };:', 'git push --force'];
    const cold = lines.map((l) => check(l).stdout);
    expect(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))).toMatchObject({ code: 'bundle-test' });
    const written = fs.statSync(cacheFile).mtimeMs;
    const warm = lines.map((l) => check(l).stdout);
    expect(warm).toEqual(cold);
    expect((JSON.parse(warm[0]!) as { decision: string }).decision).toBe('deny');
    // Nothing new compiled, nothing written again.
    expect(fs.statSync(cacheFile).mtimeMs).toBe(written);
  });

  it('keeps config.toml as validated in the cache folder, and decides from the new text once it is edited', () => {
    const home = path.join(scratch, 'home-config');
    fs.mkdirSync(home, { recursive: true });
    const config = path.join(home, 'config.toml');
    const check = (command: string) => {
      const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'node'), [outfile, 'policy', 'check', '--json', '--', command], {
        cwd: home,
        env: { PATH: process.env.PATH, HOME: home, AIOS_CONFIG_DIR: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { decision: string }).decision;
    };
    fs.writeFileSync(config, '[permissions]\ndeny = ["make aaaa"]\n');
    expect(check('make aaaa')).toBe('deny');
    const cacheFile = path.join(home, 'cache', 'aios', 'config-validated.json');
    expect(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))).toMatchObject({ code: 'bundle-test' });
    const written = fs.statSync(cacheFile).mtimeMs;
    expect(check('make aaaa')).toBe('deny');
    // Taken from the cache: nothing validated or written again.
    expect(fs.statSync(cacheFile).mtimeMs).toBe(written);
    // The same size and time stamp, another rule: decided from the new text.
    const { mtime } = fs.statSync(config);
    fs.writeFileSync(config, '[permissions]\ndeny = ["make bbbb"]\n');
    fs.utimesSync(config, mtime, mtime);
    expect(check('make bbbb')).toBe('deny');
    expect(check('make aaaa')).not.toBe('deny');
  });
});
