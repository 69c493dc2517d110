import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { loadPageBridge, startPageHost, type PageHost } from '../support/page-host';

interface PageBridge {
  connect(): Promise<void>;
  call(name: string, req: unknown): Promise<unknown>;
  on(name: 'terminal.data', listener: (payload: { id: string; data: unknown }) => void): () => void;
}
const WebSocketBridge = await loadPageBridge<PageBridge>();

/**
 * The page's own bridge (the renderer's WebSocketBridge, over the `ws`
 * client standing in for the browser's WebSocket) hands the pane the shell's
 * output as the bytes the core sent, from their base64 on the wire.
 */

let page: PageHost | undefined;
afterEach(async () => {
  await page?.close();
  page = undefined;
});

describe("the page's bridge and terminal output", () => {
  it('gives the pane Uint8Array bytes: multi-byte characters, control characters and escapes as the shell wrote them', async () => {
    page = await startPageHost('aios-term-bytes-');
    const bridge = new WebSocketBridge(page.url);
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

  it('drops a terminal.data frame that is not the contract once decoded, and passes the next one', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const event = (payload: unknown) => JSON.stringify({ type: 'event', name: 'terminal.data', payload });
    server.on('connection', (ws) => {
      ws.send(JSON.stringify({ type: 'ready' }));
      ws.send(event({ id: 't1', data: 'not base64!' }));
      ws.send(event({ id: 't1', data: [104, 105] }));
      ws.send(event({ id: 'not a terminal id', data: Buffer.from('bad id').toString('base64') }));
      ws.send(event({ data: Buffer.from('no id').toString('base64') }));
      ws.send(event({ id: 't1', data: Buffer.from('good').toString('base64') }));
    });
    vi.stubGlobal('WebSocket', WebSocket);
    try {
      const bridge = new WebSocketBridge(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
      const got: { id: string; data: unknown }[] = [];
      bridge.on('terminal.data', (p) => got.push(p));
      await bridge.connect();
      await vi.waitFor(() => expect(got.length).toBeGreaterThan(0));
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toHaveLength(1);
      expect(got[0]!.id).toBe('t1');
      expect(Buffer.from(got[0]!.data as Uint8Array).toString('utf8')).toBe('good');
    } finally {
      vi.unstubAllGlobals();
      for (const c of server.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
