import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/core';

/** The terminal pane gets the same scrubbed environment and redaction as model commands. */
const KEY = 'sk-terminal-test-9a8b7c6d5e4f3a2b1c0d';
let dir: string;
let core: Core;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-term-env-')));
  core = new Core({
    host: 'web',
    env: {
      HOME: dir,
      AIOS_CONFIG_DIR: path.join(dir, 'cfg'),
      SHELL: '/bin/sh',
      PATH: process.env.PATH,
      OPENAI_API_KEY: KEY,
      MY_SERVICE_TOKEN: 'tok-123456789',
      PLAIN: 'visible-value',
    },
    mcp: false,
  });
});
afterEach(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('terminal environment', () => {
  it('has no provider key or secret-named variables, and redacts a key read from elsewhere', async () => {
    let out = '';
    const s = core.terminals.open({ cols: 200, rows: 24 });
    core.events.on('terminal.data', (p) => {
      if (p.id === s.id) out += Buffer.from(p.data).toString('utf8');
    });
    // The shell's own environment lacks them; the key written to a file and read back is still cut out.
    await core.terminals.write(
      s.id,
      `echo "k=[$OPENAI_API_KEY] t=[$MY_SERVICE_TOKEN] p=[$PLAIN]"; printf '%s\\n' '${KEY.slice(0, 10)}''${KEY.slice(10)}' > f; cat f; echo DONE-''MARK\n`,
    );
    const end = Date.now() + 10_000;
    while (!out.includes('DONE-MARK') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('k=[] t=[] p=[visible-value]');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain(KEY);
  });
});
