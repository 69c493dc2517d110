import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { repoRoot as root, runAios } from '../support/process';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-cli-'));

function aios(args: string[], env: Record<string, string> = {}) {
  return runAios(args, { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), ...env });
}

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('aios CLI', () => {
  it('prints its version', () => {
    const r = aios(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('prints help listing app and web', () => {
    const r = aios(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+app\s+/m);
    expect(r.stdout).toMatch(/^\s+web\s+/m);
  });

  it('refuses an unknown command with usage and exit code 2', () => {
    const r = aios(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('says in one sentence that Electron is missing and aios web works instead', () => {
    // Point at a file that exists but is not executable, as on a machine without the binary.
    const r = aios(['app'], { AIOS_ELECTRON: path.join(root, 'package.json') });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // From a checkout, where `aios` is not on PATH, the way to run it is npm's.
    expect(r.stderr).toMatch(/aios app needs the Electron binary, and .*; run `npm run -s aios -- web` to use aios in a browser instead\./);
  });

  it('says `aios web` where aios is on PATH (installed)', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bin-'));
    try {
      fs.writeFileSync(path.join(bin, 'aios'), '#!/bin/sh\n', { mode: 0o755 });
      const r = aios(['app'], { AIOS_ELECTRON: path.join(root, 'package.json'), PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect(r.stderr).toContain('run `aios web` to use aios in a browser instead.');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('doctor never says "config ok" above a missing config.toml', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-doctor-'));
    try {
      const r = runAios(['doctor'], {
        PATH: process.env.PATH ?? '',
        HOME: empty,
        XDG_CONFIG_HOME: path.join(empty, '.config'),
        OLLAMA_HOST: '127.0.0.1:9',
      });
      expect(r.stdout).toContain('config.toml (missing: defaults in use)');
      expect(r.stdout).not.toMatch(/^config ok$/m);
      expect(r.stdout).toMatch(/^config uses the defaults \(no config\.toml yet/m);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('checks aios web arguments', () => {
    const r = aios(['web', '--port', 'eighty']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--port must be a whole number');
  });
});
