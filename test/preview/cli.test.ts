/** `aios policy check --preview` from the shell, as a real process. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let env: Record<string, string>;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-preview-cli-')));
  fs.mkdirSync(path.join(dir, 'work', 'build'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'work', 'build', 'out.bin'), 'x'.repeat(2048));
  env = {
    PATH: `${path.join(root, 'node_modules/.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg'),
    AIOS_CONFIG_DIR: path.join(dir, 'cfg'),
    LANG: 'C',
  };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const check = (...args: string[]) =>
  spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'src/hosts/cli.ts'), 'policy', 'check', ...args], {
    cwd: path.join(dir, 'work'),
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('aios policy check --preview', () => {
  it('prints the decision and what the command would change, changing nothing', () => {
    const r = check('--preview', '--', 'rm -rf ./build');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('preview:');
    expect(r.stdout).toContain('would delete 1 file and 1 directory (2.0 KB) in ./build');
    expect(r.stdout).toContain('deleted ./build/out.bin');
    expect(fs.existsSync(path.join(dir, 'work', 'build', 'out.bin'))).toBe(true);
  });

  it('--json carries the preview; a denied command is never previewed', () => {
    const ok = check('--json', '--preview', '--', 'touch made-here');
    expect(JSON.parse(ok.stdout).preview.lines).toEqual(['would add ./made-here: 0 B']);
    expect(fs.existsSync(path.join(dir, 'work', 'made-here'))).toBe(false);
    const denied = JSON.parse(check('--json', '--preview', '--', 'rm -rf /').stdout);
    expect(denied.decision).toBe('deny');
    expect(denied.preview).toMatchObject({ ran: false, limits: [expect.stringMatching(/^no preview: the policy denies/)] });
  });
});
