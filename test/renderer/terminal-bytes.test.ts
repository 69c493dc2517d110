import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { Core } from '../../src/core/core';
import { startWebHost, type StartedWebHost } from '../../src/hosts/web/server';

// Loaded by a computed path: the node typecheck of the tests has no DOM library, which the page's bridge needs.
interface PageBridge {
  connect(): Promise<void>;
  call(name: string, req: unknown): Promise<unknown>;
  on(name: 'terminal.data', listener: (payload: { id: string; data: unknown }) => void): () => void;
}
const bridgeModule = '../../src/renderer/src/bridge/websocket-bridge';
const { WebSocketBridge } = (await import(bridgeModule)) as { WebSocketBridge: new (url: string) => PageBridge };

/**
 * The page's own bridge (the renderer's WebSocketBridge, over the `ws`
 * client standing in for the browser's WebSocket) hands the pane the shell's
 * output as the bytes the core sent, from their base64 on the wire.
 */

let host: StartedWebHost | undefined;
let core: Core | undefined;
let dir: string | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  await host?.close();
  await core?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  host = core = dir = undefined;
});

describe("the page's bridge and terminal output", () => {
  it('gives the pane Uint8Array bytes: multi-byte characters, control characters and escapes as the shell wrote them', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-term-bytes-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>aios</title>');
    core = new Core({
      host: 'web',
      env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'cfg'), SHELL: '/bin/sh', PATH: process.env.PATH },
      mcp: false,
    });
    host = await startWebHost({ core, rendererDir: dir });
    const headers = { Cookie: host.sessionCookie(), Origin: `http://127.0.0.1:${host.port}` };
    // The browser sends the session cookie with the upgrade; this stand-in adds it.
    class BrowserLikeSocket extends WebSocket {
      constructor(u: string) {
        super(u, { headers });
      }
    }
    vi.stubGlobal('WebSocket', BrowserLikeSocket);
    const bridge = new WebSocketBridge(`ws://127.0.0.1:${host.port}/bridge`);
    await bridge.connect();
    const frames: unknown[] = [];
    let id = '';
    bridge.on('terminal.data', (p) => p.id === id && frames.push(p.data));
    id = ((await bridge.call('terminal.open', { cols: 80, rows: 24 })) as { id: string }).id;
    await bridge.call('terminal.write', {
      id,
      data: "printf 'bytes:\\303\\251\\342\\202\\254\\360\\237\\230\\200 \\001\\033[1mB\\033[0m:end-%s\\n' $((40+2))\n",
    });
    const text = () => Buffer.concat(frames.map((f) => f as Uint8Array)).toString('utf8');
    await vi.waitFor(() => expect(text()).toContain(':end-42'), { timeout: 10_000 });
    for (const f of frames) expect(f).toBeInstanceOf(Uint8Array);
    expect(text()).toContain('bytes:é€😀 \x01\x1b[1mB\x1b[0m:end-42');
    await bridge.call('terminal.close', { id });
  }, 30_000);
});
