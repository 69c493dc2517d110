import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { loadPageBridge, startPageHost, type PageHost } from '../support/page-host';

interface PageBridge {
  onWaiting: ((reason: string) => void) | undefined;
  connect(): Promise<void>;
  call(name: 'app.info', req: Record<string, never>): Promise<{ host: string }>;
}
const WebSocketBridge = await loadPageBridge<PageBridge>();

/**
 * A tab opened beyond the per-login socket cap: the page's own bridge (the
 * renderer's WebSocketBridge, over the `ws` client standing in for the
 * browser's WebSocket) is told why and connects by itself once a tab closes.
 */

let page: PageHost | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await page?.close();
  page = undefined;
});

describe('more tabs than the cap', () => {
  it('the extra tab says why it waits, and connects by itself when another closes', async () => {
    page = await startPageHost('aios-tabs-', { maxSocketsPerSession: 2 });
    const { url, headers } = page;
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
