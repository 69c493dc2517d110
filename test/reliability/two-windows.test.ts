import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/core';
import { serveCorePort } from '../../src/core/bridge/serve-port';
import type { CorePort } from '../../src/core/bridge/ports';
import type { ServerMessage } from '../../src/shared/wire';
import { FakeMessageChannelMain, type FakeMessagePortMain } from '../electron/fake-utility-process';

/**
 * Two Electron-style windows on one core, each over its own port pair
 * (Electron's MessageChannelMain, stood in for: no Electron binary here).
 * Closing one window must detach it from the shared shell: its
 * unacknowledged output must not pause the shell the other still uses.
 */

let core: Core | undefined;
let dir: string | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The page's end of a window's port: calls out, results and events in. */
function windowEnd(port: FakeMessagePortMain) {
  let next = 1;
  const waiting = new Map<number, (m: ServerMessage) => void>();
  const events: Array<{ name: string; payload: unknown }> = [];
  port.on('message', ({ data }: { data: ServerMessage }) => {
    if (data.type === 'result' && data.id !== null) waiting.get(data.id)?.(data);
    else if (data.type === 'event') events.push({ name: data.name, payload: data.payload });
  });
  port.start();
  return {
    events,
    call(name: string, payload: unknown): Promise<unknown> {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, (m) => (m.type === 'result' && m.ok ? resolve(m.value) : reject(new Error(JSON.stringify(m)))));
        port.postMessage({ type: 'call', id, name, payload });
      });
    },
  };
}

describe('two windows, one shell', () => {
  it('closing one window does not freeze the shell the other still shows', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-two-'));
    const env = { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), SHELL: '/bin/sh', PATH: process.env.PATH ?? '/usr/bin:/bin' };
    core = new Core({ host: 'electron', env, mcp: false });
    const a = new FakeMessageChannelMain();
    const b = new FakeMessageChannelMain();
    serveCorePort(core, a.port1 as unknown as CorePort, 'electron-1');
    serveCorePort(core, b.port1 as unknown as CorePort, 'electron-2');
    const winA = windowEnd(a.port2);
    const winB = windowEnd(b.port2);
    const shell = (await winA.call('terminal.open', { cols: 80, rows: 24 })) as { id: string };
    const joined = (await winB.call('terminal.open', { cols: 80, rows: 24, attach: true })) as { id: string };
    expect(joined.id).toBe(shell.id);

    // Window A closes; window B keeps reading and acknowledging, as xterm does.
    a.port2.close();
    await new Promise((r) => setImmediate(r));
    let seen = '';
    let acked = 0;
    const drain = setInterval(() => {
      const text = winB.events
        .splice(0)
        .filter((e) => e.name === 'terminal.data')
        .map((e) => Buffer.from((e.payload as { data: Uint8Array }).data).toString('utf8'))
        .join('');
      seen += text;
      // The output is ASCII here: as many bytes as characters.
      if (text.length > 0) void winB.call('terminal.ack', { id: shell.id, chars: text.length }).catch(() => undefined);
      acked += text.length;
    }, 10);
    try {
      await winB.call('terminal.write', { id: shell.id, data: "head -c 400000 /dev/zero | tr '\\0' 'x'; echo; echo ALL-DONE-$((40+2))\n" });
      const end = Date.now() + 30_000;
      while (!seen.includes('ALL-DONE-42')) {
        if (Date.now() > end) throw new Error(`the shell stopped after ${acked} characters`);
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      clearInterval(drain);
    }
    expect(acked).toBeGreaterThan(400_000);
    expect(core.terminals.unacknowledged(shell.id, 'electron-1')).toBe(0);
  }, 60_000);
});
