import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import WebSocket from 'ws';
import { Core } from '../../src/core/core';
import { startWebHost, type WebHostOptions } from '../../src/hosts/web/server';

/**
 * `aios web` over a real core in a temp folder, for tests that drive the
 * page's own bridge (the renderer's WebSocketBridge) against it. `close()`
 * stops both, removes the folder and takes the WebSocket stand-in back.
 */
export interface PageHost {
  /** The bridge's WebSocket address. */
  url: string;
  /** What a logged-in browser sends with the upgrade: the session cookie and the page's origin. */
  headers: Record<string, string>;
  close(): Promise<void>;
}

export async function startPageHost(prefix: string, limits?: WebHostOptions['limits']): Promise<PageHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let core: Core | undefined;
  try {
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>aios</title>');
    core = new Core({
      host: 'web',
      env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'cfg'), SHELL: '/bin/sh', PATH: process.env.PATH },
      mcp: false,
    });
    const host = await startWebHost({ core, rendererDir: dir, limits });
    const headers = { Cookie: host.sessionCookie(), Origin: `http://127.0.0.1:${host.port}` };
    // The browser sends the session cookie with the upgrade; this stand-in for its WebSocket adds it.
    class BrowserLikeSocket extends WebSocket {
      constructor(u: string) {
        super(u, { headers });
      }
    }
    vi.stubGlobal('WebSocket', BrowserLikeSocket);
    const opened = core;
    return {
      url: `ws://127.0.0.1:${host.port}/bridge`,
      headers,
      async close() {
        vi.unstubAllGlobals();
        await host.close();
        await opened.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await core?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The page's WebSocketBridge class, loaded by a computed path: the node
 * typecheck of the tests has no DOM library, which the page's bridge needs.
 * `B` is the part of it a test uses.
 */
export async function loadPageBridge<B>(): Promise<new (url: string) => B> {
  const bridgeModule = '../../src/renderer/src/bridge/websocket-bridge';
  return ((await import(bridgeModule)) as { WebSocketBridge: new (url: string) => B }).WebSocketBridge;
}
