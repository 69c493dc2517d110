/**
 * The README's quick start stays true: its first paragraph after the
 * commands says what a person will see, and each command it gives names an
 * npm script this checkout has; `npm run -s aios -- web --help` answers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 5));
const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('README quick start', () => {
  it('gives commands that name real npm scripts, with what you will see before the caveats', () => {
    const commands = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1]!.split('\n'))
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm install && npm run -s aios -- web', 'npm test']);
    for (const run of ['aios', 'test']) expect(scripts[run], run).toBeDefined();
    const seen = quickStart.indexOf('you see the aios chat');
    expect(seen).toBeGreaterThan(-1);
    expect(seen).toBeLessThan(quickStart.indexOf('### Caveats'));
    // What `npm test` needs is said next to it, not only among the caveats.
    const test = quickStart.indexOf('npm test   #');
    expect(quickStart.slice(test, test + 200)).toMatch(/root.*podman.*Chromium/);
  });

  it('npm run -s aios -- web --help answers from the checkout', () => {
    const r = spawnSync('npm', ['run', '-s', 'aios', '--', 'web', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: aios web');
  });
});
