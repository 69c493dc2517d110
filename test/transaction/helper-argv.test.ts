/**
 * How a non-root aios starts its root helper: its own Node and entry in the
 * CLI and web hosts; in the Electron app's core process (no Node for a
 * script there), the installed app's own Node and command when it has them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultHelperArgv } from '../../src/core/transaction/sudo-client';

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the root helper command', () => {
  it('is the running Node, its flags and entry, with the hidden subcommand', () => {
    const p = {
      argv: ['/usr/bin/node', '/opt/aios/bin/aios.mjs', 'chat'],
      execArgv: ['--no-warnings'],
      execPath: '/usr/bin/node',
      versions: {},
    };
    expect(defaultHelperArgv(p as never)).toEqual(['/usr/bin/node', '--no-warnings', '/opt/aios/bin/aios.mjs', 'transaction-helper']);
  });

  it("in Electron, is the app's own Node and bin/aios.mjs, or none when they are missing", () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-helper-argv-'));
    const electron = { argv: ['/opt/aios/electron'], execArgv: [], execPath: '/opt/aios/electron', versions: { electron: '40.0.0' } };
    expect(defaultHelperArgv(electron as never, () => dir as string)).toBeNull();
    fs.mkdirSync(path.join(dir, 'node_modules/node/bin'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'node_modules/node/bin/node'), '');
    fs.writeFileSync(path.join(dir, 'bin/aios.mjs'), '');
    expect(defaultHelperArgv(electron as never, () => dir as string)).toEqual([
      path.join(dir, 'node_modules/node/bin/node'),
      path.join(dir, 'bin/aios.mjs'),
      'transaction-helper',
    ]);
  });
});
