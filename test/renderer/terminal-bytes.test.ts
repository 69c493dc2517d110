import { afterEach, describe, expect, it, vi } from 'vitest';
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
});
