/**
 * app.statusChanged: the core pushes the status bar's facts when they change
 * (turn start and end, provider failure and recovery, memory rows), so no UI polls.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import type { AppStatus } from '../../src/shared/contract';
import { StatusPublisher } from '../../src/core/status-publisher';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { startHarness, type Harness } from './harness';

let server: LlmServer | undefined;
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  await server?.close();
  server = undefined;
});

async function call(name: string, req: unknown) {
  const r = await dispatchCall(h!.core.handlers, name, req, { clientId: 'test' });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as Record<string, unknown>;
}

async function start(): Promise<AppStatus[]> {
  server = await startLlmServer();
  h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: { auto_allow: ['echo*'] } });
  const pushed: AppStatus[] = [];
  h.core.events.on('app.statusChanged', (s) => pushed.push(s));
  return pushed;
}

describe('app.statusChanged', () => {
  it('is pushed busy when a turn starts and idle, with the new memory rows, when it ends', async () => {
    const pushed = await start();
    server!.push({ text: 'hello', delayMs: 300 });
    const { turnId } = (await call('chat.send', { text: 'hi' })) as { turnId: string };
    await vi.waitFor(() => expect(pushed.some((s) => s.busy)).toBe(true));
    await vi.waitFor(() => expect(h!.core.chat.busy).toBe(false), { timeout: 10_000 });
    await h!.core.status.settled();
    const last = pushed.at(-1)!;
    expect(last.busy).toBe(false);
    expect(turnId).toBeTruthy();
    // The pushed status is what app.status answers now (the turn's rows included).
    expect(last).toEqual(await call('app.status', {}));
    // Every push says something new: no two in a row are the same.
    for (let i = 1; i < pushed.length; i++) expect(JSON.stringify(pushed[i])).not.toBe(JSON.stringify(pushed[i - 1]));
  });

  it('is pushed with the provider error when the provider fails, and without it after the next answer', async () => {
    const pushed = await start();
    // 401 is not retried: one failure, one answer.
    server!.push({ status: 401 });
    await call('chat.send', { text: 'hi' });
    await vi.waitFor(() => expect(pushed.at(-1)?.providerError ?? null).not.toBeNull(), { timeout: 20_000 });
    expect(pushed.at(-1)!.busy).toBe(false);
    server!.push({ text: 'back' });
    await call('chat.send', { text: 'again' });
    await vi.waitFor(() => expect(pushed.at(-1)).toMatchObject({ providerError: null, busy: false }), { timeout: 10_000 });
  });

  it('a direct command pushes busy and then idle', async () => {
    const pushed = await start();
    await call('chat.run', { command: 'echo hi' });
    await h!.core.status.settled();
    expect(pushed.some((s) => s.busy)).toBe(true);
    expect(pushed.at(-1)!.busy).toBe(false);
  });
});

describe('StatusPublisher', () => {
  it('coalesces a burst of changes into one computation and never repeats an unchanged status', async () => {
    let n = 0;
    let busy = false;
    const published: boolean[] = [];
    const p = new StatusPublisher({
      compute: async () => {
        n++;
        return { busy } as AppStatus;
      },
      publish: (s) => published.push(s.busy),
    });
    p.changed();
    p.changed();
    p.changed();
    await p.settled();
    expect(n).toBe(1);
    p.changed();
    await p.settled();
    expect(published).toEqual([false]);
    busy = true;
    p.changed();
    await p.settled();
    expect(published).toEqual([false, true]);
    p.stop();
    busy = false;
    p.changed();
    await p.settled();
    expect(published).toEqual([false, true]);
  });

  it('does not publish a status computed while something changed: no push is older than the events before it', async () => {
    let busy = true;
    let release: () => void = () => undefined;
    let first = true;
    const published: boolean[] = [];
    const p = new StatusPublisher({
      compute: async () => {
        const seen = busy;
        if (first) {
          first = false;
          await new Promise<void>((r) => (release = r));
        }
        return { busy: seen } as AppStatus;
      },
      publish: (s) => published.push(s.busy),
    });
    p.changed();
    await new Promise((r) => setImmediate(r));
    // The turn ends while the first computation (which saw busy) is still running.
    busy = false;
    p.changed();
    release();
    await p.settled();
    expect(published).toEqual([false]);
  });
});
