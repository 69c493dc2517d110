/**
 * Talks to the browser host's bridge beside the UI: a second WebSocket opened
 * from the page (so it carries the page's auth cookie, as any script in the
 * page could), and a log of the events the UI's own socket received.
 */
import type { Page } from '@playwright/test';
import { WS_PATH } from '../src/shared/wire';

export type RawResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** Makes one contract call over a fresh WebSocket from the page and returns the server's answer. */
export async function callFromPage(page: Page, name: string, payload: unknown): Promise<RawResult> {
  return page.evaluate(
    async ({ wsPath, name, payload }) => {
      const ws = new WebSocket(`ws://${location.host}${wsPath}`);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('the server refused the second WebSocket'));
      });
      try {
        return await new Promise<RawResult>((resolve) => {
          ws.onmessage = (e: MessageEvent<string>) => {
            const m = JSON.parse(e.data) as { type: string; id?: number } & RawResult;
            if (m.type === 'result' && m.id === 1) resolve(m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
          };
          ws.send(JSON.stringify({ type: 'call', id: 1, name, payload }));
        });
      } finally {
        ws.close();
      }
    },
    { wsPath: WS_PATH, name, payload },
  );
}

export interface SeenEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Records every bridge event the page's sockets receive; call before `goto`. */
export function recordBridgeEvents(page: Page): SeenEvent[] {
  const seen: SeenEvent[] = [];
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== WS_PATH) return;
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string') return;
      try {
        const m = JSON.parse(payload) as { type?: string; name?: string; payload?: Record<string, unknown> };
        if (m.type === 'event' && typeof m.name === 'string') seen.push({ name: m.name, payload: m.payload ?? {} });
      } catch {
        // not JSON: not a frame of the protocol, nothing to record
      }
    });
  });
  return seen;
}
