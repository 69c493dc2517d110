import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { Core } from '../../src/core/core';
import { startWebHost, type StartedWebHost } from '../../src/hosts/web/server';

// Loaded by a computed path: the node typecheck of the tests has no DOM library, which the page's bridge needs.
interface PageBridge {
  onWaiting: ((reason: string) => void) | undefined;
  connect(): Promise<void>;
  call(name: 'app.info', req: Record<string, never>): Promise<{ host: string }>;
}
const bridgeModule = '../../src/renderer/src/bridge/websocket-bridge';
const { WebSocketBridge } = (await import(bridgeModule)) as { WebSocketBridge: new (url: string) => PageBridge };

/**
 * A tab opened beyond the per-login socket cap: the page's own bridge (the
 * renderer's WebSocketBridge, over the `ws` client standing in for the
 * browser's WebSocket) is told why and connects by itself once a tab closes.
 */

let host: StartedWebHost | undefined;
let core: Core | undefined;
let dir: string | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  vi.unstubAllGlobals();
  await host?.close();
  await core?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  host = core = dir = undefined;
});

describe('more tabs than the cap', () => {
  it('the extra tab says why it waits, and connects by itself when another closes', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tabs-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>aios</title>');
    core = new Core({
      host: 'web',
      env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'cfg'), SHELL: '/bin/sh', PATH: process.env.PATH },
      mcp: false,
    });
    host = await startWebHost({ core, rendererDir: dir, limits: { maxSocketsPerSession: 2 } });
    const headers = { Cookie: host.sessionCookie(), Origin: `http://127.0.0.1:${host.port}` };
    const url = `ws://127.0.0.1:${host.port}/bridge`;
    // The browser sends the session cookie with the upgrade; this stand-in adds it.
    class BrowserLikeSocket extends WebSocket {
      constructor(u: string) {
        super(u, { headers });
      }
    }
    vi.stubGlobal('WebSocket', BrowserLikeSocket);
    for (let i = 0; i < 2; i++) {
      const s = new WebSocket(url, { headers });
      await new Promise<void>((r) => s.once('open', () => r()));
      sockets.push(s);
    }
    const bridge = new WebSocketBridge(url);
    const told: string[] = [];
    bridge.onWaiting = (reason) => told.push(reason);
    let connected = false;
    const connecting = bridge.connect().then(() => (connected = true));
    await vi.waitFor(() => expect(told.length).toBeGreaterThanOrEqual(4), { timeout: 20_000 });
    expect(told[0]).toMatch(/too many tabs: 2 tabs are already open for this login; close one and this tab connects by itself/);
    expect(connected).toBe(false);
    sockets.shift()!.close();
    await connecting;
    expect(connected).toBe(true);
    const info = await bridge.call('app.info', {});
    expect(info.host).toBe('web');
  }, 40_000);
});
