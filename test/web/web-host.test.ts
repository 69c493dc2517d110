import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Core } from '../../src/core/core';
import { startWebHost, type StartedWebHost } from '../../src/hosts/web/server';
import { SessionAuth } from '../../src/hosts/web/session-auth';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathAndQuery, method, headers: { Host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket and reports how the handshake ended. */
function connect(port: number, headers: Record<string, string>, query = ''): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge${query}`, { headers, maxPayload: 16 * 1024 * 1024 });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({}));
  });
}

/** The next frame, the server's `ready` greeting aside. */
function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const on = (d: unknown) => {
      const m = JSON.parse(String(d)) as Record<string, unknown>;
      if (m.type === 'ready') return;
      ws.off('message', on);
      resolve(m);
    };
    ws.on('message', on);
  });
}

describe('browser host security', () => {
  let dir: string;
  let core: Core;
  let host: StartedWebHost;
  let logs: string[];
  let auth: Record<string, string>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-web-'));
    const renderer = path.join(dir, 'renderer');
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>aios</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the root');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'));
    const env = { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), SHELL: '/bin/sh', PATH: process.env.PATH };
    core = new Core({ host: 'web', env });
    logs = [];
    host = await startWebHost({ core, rendererDir: renderer, log: (l) => logs.push(l) });
    auth = { Cookie: host.sessionCookie(), Origin: `http://127.0.0.1:${host.port}` };
  });

  afterAll(async () => {
    await host.close();
    core.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('binds loopback and prints a URL with a long random one-time ticket', () => {
    expect(host.host).toBe('127.0.0.1');
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?ticket=[A-Za-z0-9_-]{43}$`));
    expect(host.baseUrl).toBe(`http://127.0.0.1:${host.port}/`);
    expect(logs.some((l) => l.includes('WARNING'))).toBe(false);
  });

  it('refuses a request without a session', async () => {
    const r = await request(host.port, '/');
    expect(r.status).toBe(403);
    expect(r.body).toContain('not logged in');
  });

  it('refuses a wrong ticket and a forged or truncated session cookie', async () => {
    expect((await request(host.port, '/?ticket=nope')).status).toBe(403);
    const good = host.sessionCookie();
    expect((await request(host.port, '/', { Cookie: `${good.slice(0, -1)}${good.endsWith('x') ? 'y' : 'x'}` })).status).toBe(403);
    expect((await request(host.port, '/', { Cookie: good.split('.')[0]! })).status).toBe(403);
    expect((await request(host.port, '/', { Cookie: 'aios_session=abc.def' })).status).toBe(403);
  });

  it('trades the one-time ticket for an HttpOnly SameSite session cookie; the ticket is then spent', async () => {
    const url = new URL(host.loginUrl());
    const r = await request(host.port, `${url.pathname}${url.search}`);
    // A page of its own that moves on to / (a redirect would stay cross-site for a kiosk's login page).
    expect(r.status).toBe(200);
    expect(r.body).toContain('<meta http-equiv="refresh" content="0; url=/">');
    const setCookie = r.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/^aios_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = setCookie.split(';')[0]!;
    const page = await request(host.port, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>aios</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // The URL left in the history opens nothing any more…
    const again = await request(host.port, `${url.pathname}${url.search}`);
    expect(again.status).toBe(403);
    expect(again.body).toContain('already used');
    // …but reloading it in the browser that logged in just goes on.
    expect((await request(host.port, `${url.pathname}${url.search}`, { Cookie: cookie })).status).toBe(303);
  });

  it('accepts a signed ticket minted from the install secret once, and not when expired or signed by another secret', async () => {
    const secret = 'y'.repeat(43);
    const server = await startWebHost({ core, rendererDir: path.join(dir, 'renderer'), secret });
    try {
      const good = SessionAuth.signedTicket(secret, 60_000);
      expect((await request(server.port, `/?ticket=${good}`)).status).toBe(200);
      expect((await request(server.port, `/?ticket=${good}`)).status).toBe(403);
      expect((await request(server.port, `/?ticket=${SessionAuth.signedTicket(secret, -1000)}`)).status).toBe(403);
      expect((await request(server.port, `/?ticket=${SessionAuth.signedTicket('z'.repeat(43), 60_000)}`)).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('a second server with the same install secret accepts the same session (a restart keeps the tab)', async () => {
    const secret = 'x'.repeat(43);
    const first = await startWebHost({ core, rendererDir: path.join(dir, 'renderer'), secret });
    const cookie = first.sessionCookie();
    await first.close();
    const second = await startWebHost({ core, rendererDir: path.join(dir, 'renderer'), secret });
    const other = await startWebHost({ core, rendererDir: path.join(dir, 'renderer') });
    try {
      expect((await request(second.port, '/', { Cookie: cookie })).status).toBe(200);
      expect((await connect(second.port, { Cookie: cookie, Origin: `http://127.0.0.1:${second.port}` })).ws).toBeDefined();
      expect((await request(other.port, '/', { Cookie: cookie })).status).toBe(403);
    } finally {
      await second.close();
      await other.close();
    }
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await request(host.port, '/', { ...auth, Host: `evil.example:${host.port}` })).status).toBe(403);
    expect((await request(host.port, '/', { ...auth, Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('serves nothing outside the renderer folder', async () => {
    const cookie = { Cookie: auth.Cookie! };
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/link.txt',
      '/%00index.html',
      '/assets\\..\\..\\secret.txt',
    ]) {
      const r = await request(host.port, p, cookie);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('outside the root');
    }
    expect((await request(host.port, '/assets/app.js', cookie)).headers['content-type']).toContain('text/javascript');
    expect((await request(host.port, '/', cookie, 'POST')).status).toBe(405);
  });

  it('refuses WebSocket upgrades without a session or from a foreign Origin', async () => {
    expect((await connect(host.port, { Origin: auth.Origin! })).status).toBe(403);
    expect((await connect(host.port, { Cookie: auth.Cookie! })).status).toBe(403);
    expect((await connect(host.port, { ...auth, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect(host.port, { Origin: auth.Origin!, Cookie: 'aios_session=wrong.wrong' })).status).toBe(403);
    // A login ticket in the socket's URL is no way in either.
    expect(
      (await connect(host.port, { Origin: auth.Origin! }, `?ticket=${new URL(host.loginUrl()).searchParams.get('ticket')}`)).status,
    ).toBe(403);
  });

  it('answers contract calls over the WebSocket and survives malformed frames', async () => {
    const { ws } = await connect(host.port, auth);
    expect(ws).toBeDefined();
    const socket = ws!;
    socket.send(JSON.stringify({ type: 'call', id: 1, name: 'app.info', payload: {} }));
    const info = await nextMessage(socket);
    expect(info).toMatchObject({ type: 'result', id: 1, ok: true, value: { host: 'web', name: 'aios' } });

    socket.send('{not json');
    expect(await nextMessage(socket)).toMatchObject({ id: null, ok: false, error: { code: 'invalid_request' } });
    socket.send(JSON.stringify({ type: 'call', id: 2, name: 'terminal.open', payload: { cols: -1, rows: 24 } }));
    expect(await nextMessage(socket)).toMatchObject({
      id: 2,
      ok: false,
      error: { code: 'invalid_request', message: expect.stringContaining('cols') },
    });
    socket.send(JSON.stringify({ type: 'call', id: 3, name: 'shell.exec', payload: {} }));
    expect(await nextMessage(socket)).toMatchObject({ id: 3, ok: false, error: { code: 'unknown_call' } });
    socket.send(JSON.stringify({ type: 'call', id: 4, name: 'terminal.write', payload: { id: 't999', data: 'x' } }));
    expect(await nextMessage(socket)).toMatchObject({ id: 4, ok: false, error: { code: 'not_found' } });
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await nextMessage(socket)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

    // The connection is still up and useful after all of that.
    socket.send(JSON.stringify({ type: 'call', id: 5, name: 'app.info', payload: {} }));
    expect(await nextMessage(socket)).toMatchObject({ id: 5, ok: true });
    socket.close();
  });

  it('closes a connection that sends an oversized frame and keeps serving others', async () => {
    const { ws } = await connect(host.port, auth);
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)));
    ws!.send(JSON.stringify({ type: 'call', id: 1, name: 'app.info', payload: { pad: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
    const again = await connect(host.port, auth);
    again.ws!.send(JSON.stringify({ type: 'call', id: 9, name: 'app.info', payload: {} }));
    expect(await nextMessage(again.ws!)).toMatchObject({ id: 9, ok: true });
    again.ws!.close();
    expect((await request(host.port, '/', { Cookie: auth.Cookie! })).status).toBe(200);
  });

  it('streams a real shell through the contract, its output bytes as base64', async () => {
    const { ws } = await connect(host.port, auth);
    const socket = ws!;
    const output: Buffer[] = [];
    let sessionId = '';
    const sawMarker = new Promise<void>((resolve) => {
      socket.on('message', (d) => {
        const msg = JSON.parse(d.toString()) as { type: string; name?: string; payload?: { id: string; data: string } };
        if (msg.type === 'event' && msg.name === 'terminal.data' && msg.payload?.id === sessionId) {
          // JSON carries no bytes: the UTF-8 output comes as base64, and nothing else.
          expect(msg.payload.data).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
          output.push(Buffer.from(msg.payload.data, 'base64'));
          if (Buffer.concat(output).toString('utf8').includes('end-of-marker')) resolve();
        }
      });
    });
    socket.send(JSON.stringify({ type: 'call', id: 1, name: 'terminal.open', payload: { cols: 80, rows: 24 } }));
    const opened = (await nextMessage(socket)) as { value: { id: string } };
    sessionId = opened.value.id;
    // Multi-byte characters and an escape sequence, printed by the shell (the typed line's echo has none of them).
    const line = "printf 'marker-%s \\303\\251\\342\\202\\254\\360\\237\\230\\200 \\033[1mbold\\033[0m end-of-%s\\n' $((6*7)) marker\n";
    socket.send(JSON.stringify({ type: 'call', id: 2, name: 'terminal.write', payload: { id: sessionId, data: line } }));
    await sawMarker;
    expect(Buffer.concat(output).toString('utf8')).toContain('marker-42 é€😀 \x1b[1mbold\x1b[0m end-of-marker');
    socket.send(JSON.stringify({ type: 'call', id: 3, name: 'terminal.close', payload: { id: sessionId } }));
    socket.close();
  });
});

describe('browser host on a non-loopback address', () => {
  it('warns loudly', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-web-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    const core = new Core({ host: 'web', env: { HOME: dir, XDG_CONFIG_HOME: dir, PATH: process.env.PATH } });
    const logs: string[] = [];
    const host = await startWebHost({ core, rendererDir: dir, host: '0.0.0.0', log: (l) => logs.push(l) });
    try {
      expect(logs.join('\n')).toMatch(/WARNING: aios web is listening on 0\.0\.0\.0/);
      // A session is still required.
      expect((await request(host.port, '/')).status).toBe(403);
    } finally {
      await host.close();
      core.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start without a built UI, naming the fix', async () => {
    const core = new Core({ host: 'web', env: { HOME: os.tmpdir(), PATH: process.env.PATH } });
    await expect(startWebHost({ core, rendererDir: path.join(os.tmpdir(), 'no-such-aios-ui') })).rejects.toThrow(/npm run build/);
    core.dispose();
  });
});
