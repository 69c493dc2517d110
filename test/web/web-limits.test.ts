import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_TOO_MANY } from '../../src/shared/wire';
import { Core } from '../../src/core/core';
import { HIGH_WATERMARK_CHARS } from '../../src/core/terminal/flow-control';
import { startWebHost, type StartedWebHost } from '../../src/hosts/web/server';

/** Bounded per connection: a stalled client cannot grow the server. */
let dir: string;
let core: Core;
let host: StartedWebHost;
const CAP = 1024 * 1024;

async function open(cookie = host.sessionCookie()): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/bridge`, { headers: { Cookie: cookie, Origin: `http://127.0.0.1:${host.port}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_q, res) => reject(new Error(`status ${res.statusCode}`)));
  });
  return ws;
}

function closedWith(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

function caller(ws: WebSocket) {
  let id = 0;
  const waiting = new Map<number, (m: { ok: boolean; value?: unknown; error?: { code: string; message: string } }) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { type: string; id: number; ok: boolean };
    if (m.type === 'result') waiting.get(m.id)?.(m);
  });
  return (name: string, payload: unknown) =>
    new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ type: 'call', id: n, name, payload }));
    });
}

beforeEach(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-web-limits-')));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>aios</title>');
  core = new Core({
    host: 'web',
    env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'cfg'), SHELL: '/bin/sh', PATH: process.env.PATH, LANG: 'C.UTF-8' },
    mcp: false,
  });
  host = await startWebHost({ core, rendererDir: dir, limits: { maxBufferedBytes: CAP, maxSocketsPerSession: 3, maxSockets: 5 } });
});
afterEach(async () => {
  await host.close();
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('web host limits', () => {
  it('a stalled client is dropped at its buffer cap while another reads 8 MB of terminal output (8× the cap)', async () => {
    const fast = await open();
    const stalled = await open();
    // The stalled client stops reading: the server's queue for it would grow without a cap.
    stalled.pause();
    const call = caller(fast);
    let seen = 0;
    let sessionId = '';
    const done = new Promise<void>((resolve) => {
      let tail = '';
      fast.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; name?: string; payload?: { id: string; data: string } };
        if (m.type !== 'event' || m.name !== 'terminal.data' || m.payload?.id !== sessionId) return;
        // The bytes come as base64 (JSON carries no bytes); the renderer acknowledges them decoded.
        const data = Buffer.from(m.payload.data, 'base64');
        seen += data.length;
        void call('terminal.ack', { id: sessionId, chars: data.length });
        tail = (tail + data.toString('latin1')).slice(-200);
        // The marker is printed as 'END-OF' + 'FLOOD', so the echo of the typed line does not count.
        if (tail.includes('END-OFFLOOD')) resolve();
      });
    });
    const opened = await call('terminal.open', { cols: 80, rows: 24 });
    sessionId = (opened.value as { id: string }).id;
    let maxBuffered = 0;
    const sampler = setInterval(() => {
      for (const s of host.sockets()) maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
    }, 5);
    await call('terminal.write', { id: sessionId, data: "head -c 8000000 /dev/zero | tr '\\0' x; echo; echo END-OF''FLOOD\n" });
    await done;
    // The server dropped the stalled client (its own end never notices while it does not read).
    const end = Date.now() + 10_000;
    while (host.sockets().length > 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    stalled.terminate();
    clearInterval(sampler);
    expect(seen).toBeGreaterThan(8_000_000);
    // One frame may go over the cap before the client is dropped; never more.
    expect(maxBuffered).toBeLessThanOrEqual(CAP + 256 * 1024);
    expect(host.sockets()).toHaveLength(1);
    fast.close();
  }, 120_000);

  it('a tab that reads but has not acknowledged a flood of control characters is paused by flow control, not dropped at the default cap', async () => {
    // The default cap (8 MB); NUL bytes, which JSON text would carry as six bytes each.
    const roomy = await startWebHost({ core, rendererDir: dir });
    const ws = new WebSocket(`ws://127.0.0.1:${roomy.port}/bridge`, {
      headers: { Cookie: roomy.sessionCookie(), Origin: `http://127.0.0.1:${roomy.port}` },
    });
    try {
      await new Promise<void>((resolve) => ws.once('open', () => resolve()));
      const call = caller(ws);
      let received = 0;
      let sessionId = '';
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; name?: string; payload?: { id: string; data: string } };
        if (m.type === 'event' && m.name === 'terminal.data' && m.payload?.id === sessionId)
          received += Buffer.from(m.payload.data, 'base64').length;
      });
      let maxBuffered = 0;
      const sampler = setInterval(() => {
        for (const s of roomy.sockets()) maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
      }, 5);
      sessionId = ((await call('terminal.open', { cols: 80, rows: 24 })).value as { id: string }).id;
      await call('terminal.write', { id: sessionId, data: 'head -c 30000000 /dev/zero\n' });
      const end = Date.now() + 30_000;
      while (!core.terminals.paused(sessionId) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      clearInterval(sampler);
      expect(core.terminals.paused(sessionId)).toBe(true);
      // Everything sent arrived, the socket stayed: the bytes in flight fit the cap as base64.
      expect(received).toBe(core.terminals.unacknowledged(sessionId));
      expect(received).toBeGreaterThan(HIGH_WATERMARK_CHARS);
      expect(roomy.sockets()).toHaveLength(1);
      expect(maxBuffered).toBeLessThan(8 * 1024 * 1024);
      await call('terminal.write', { id: sessionId, data: '\x03' });
    } finally {
      ws.close();
      await roomy.close();
    }
  }, 60_000);

  it('caps sockets per session and in all', async () => {
    const cookie = host.sessionCookie();
    const mine = [await open(cookie), await open(cookie), await open(cookie)];
    expect(await closedWith(await open(cookie))).toMatchObject({
      code: CLOSE_TOO_MANY,
      reason: expect.stringMatching(/too many tabs: 3 tabs are already open for this login/),
    });
    const others = [await open(), await open()];
    expect(await closedWith(await open())).toMatchObject({ code: CLOSE_TOO_MANY, reason: expect.stringMatching(/too many tabs/) });
    for (const ws of [...mine, ...others]) ws.close();
  });

  it('caps shells; a shell no page shows lives on, and only the cap ends one, saying which', async () => {
    const local = new Core({ host: 'web', env: { HOME: dir, SHELL: '/bin/sh', PATH: process.env.PATH }, mcp: false });
    const terminals = local.terminals;
    Object.assign(terminals as unknown as { options: object }, {
      options: { ...(terminals as unknown as { options: object }).options, maxShells: 2 },
    });
    const a = terminals.open({ cols: 80, rows: 24 }, 'client-a');
    const b = terminals.open({ cols: 80, rows: 24 }, 'client-b');
    expect(() => terminals.open({ cols: 80, rows: 24 }, 'client-c')).toThrow(/2 terminal shells are already open/);
    const exited: string[] = [];
    local.events.on('terminal.exit', (p) => exited.push(p.id));
    // Both pages go: both shells live on (a reload attaches again).
    terminals.detachClient('client-a');
    terminals.detachClient('client-b');
    await new Promise((r) => setTimeout(r, 300));
    expect(exited).toEqual([]);
    expect(terminals.count).toBe(2);
    expect(terminals.open({ cols: 80, rows: 24, attach: true }, 'client-c').id).toBe(b.id);
    // At the cap a new shell ends the unseen one, and the new pane is told which.
    const fresh = terminals.open({ cols: 80, rows: 24 }, 'client-d');
    expect(fresh.notice).toContain(`pid ${a.pid}`);
    const end = Date.now() + 10_000;
    while (!exited.includes(a.id) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(exited).toEqual([a.id]);
    await local.close();
  });

  it('terminal input waits for the shell: writes to a shell that does not read stay pending, then a cap refuses more', async () => {
    const ws = await open();
    const call = caller(ws);
    const opened = await call('terminal.open', { cols: 80, rows: 24 });
    const id = (opened.value as { id: string }).id;
    // Stop the shell reading its terminal: input piles up in the pty until the kernel buffer is full.
    await call('terminal.write', { id, data: 'stty -icanon; sleep 600\n' });
    await new Promise((r) => setTimeout(r, 300));
    const chunk = 'y'.repeat(60 * 1024);
    const results: Array<Promise<{ ok: boolean }>> = [];
    for (let i = 0; i < 40; i++) results.push(call('terminal.write', { id, data: chunk }));
    let settled = 0;
    for (const r of results) void r.then(() => settled++);
    await new Promise((r) => setTimeout(r, 1000));
    // The pty cannot take 2.4 MB: the writes wait for the shell (and the server stops reading the socket)…
    expect(settled).toBeLessThan(40);
    expect(host.sockets()).toHaveLength(1);
    // …and past the pending-input cap, writes are refused with a reason rather than buffered.
    const refusals: string[] = [];
    for (let i = 0; i < 20; i++) core.terminals.write(id, chunk).catch((err: Error) => refusals.push(err.message));
    await new Promise((r) => setTimeout(r, 200));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]).toMatch(/not reading its input/);
    ws.terminate();
  }, 30_000);
});
