import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeError, type AiosBridge } from '../../src/shared/contract';
import { bridgeErrorMessage, withBridgeErrors } from '../../src/shared/bridge-error';
import type { ClientMessage, ServerMessage } from '../../src/shared/wire';
import { PortBridge, type BridgePort } from '../../src/preload/port-bridge';

const failing = (err: unknown): AiosBridge => ({
  call: () => Promise.reject(err),
  on: () => {
    throw err;
  },
});

describe('withBridgeErrors: one error shape for both bridges', () => {
  it('turns the preload\'s "[code] message" errors into BridgeErrors', async () => {
    const err = await withBridgeErrors(failing(new Error(bridgeErrorMessage('forbidden', 'not the UI'))))
      .call('app.info', {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: 'forbidden', message: 'not the UI' });
  });

  it("keeps the WebSocket bridge's BridgeErrors as they are", async () => {
    const original = new BridgeError('unavailable', 'connection lost');
    await expect(withBridgeErrors(failing(original)).call('app.info', {})).rejects.toBe(original);
  });

  it('makes anything else an internal BridgeError, also from on()', async () => {
    const bridge = withBridgeErrors(failing(new Error('plain failure')));
    await expect(bridge.call('app.info', {})).rejects.toMatchObject({ name: 'BridgeError', code: 'internal', message: 'plain failure' });
    expect(() => bridge.on('chat.delta', () => undefined)).toThrow(BridgeError);
  });

  it('passes values and unsubscribe functions through', async () => {
    let listening = 0;
    const bridge = withBridgeErrors({
      call: () => Promise.resolve({ ok: 1 } as never),
      on: () => {
        listening++;
        return () => void listening--;
      },
    });
    expect(await bridge.call('app.info', {})).toEqual({ ok: 1 });
    const off = bridge.on('chat.delta', () => undefined);
    expect(listening).toBe(1);
    off();
    expect(listening).toBe(0);
  });
});

describe('PortBridge (the preload over a MessagePort)', () => {
  const open: MessagePort[] = [];
  afterEach(() => {
    for (const p of open.splice(0)) p.close();
  });

  /** A real MessageChannel; the far end answers like the core does. */
  function core(answer: (m: ClientMessage) => ServerMessage | undefined) {
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    const received: ClientMessage[] = [];
    port2.on('message', (m: ClientMessage) => {
      received.push(m);
      const reply = answer(m);
      if (reply) port2.postMessage(reply);
    });
    return { page: port1 as unknown as BridgePort, far: port2, received };
  }

  it('queues calls until main hands a port, then answers them', async () => {
    const link = new PortBridge();
    const pending = link.bridge.call('app.info', {});
    const { page } = core((m) => ({ type: 'result', id: m.id, ok: true, value: { name: m.name } }));
    link.usePort(page);
    expect(await pending).toEqual({ name: 'app.info' });
  });

  it('rejects with "[code] message" as the core reported it', async () => {
    const link = new PortBridge();
    link.usePort(core((m) => ({ type: 'result', id: m.id, ok: false, error: { code: 'not_found', message: 'no such terminal' } })).page);
    await expect(link.bridge.call('terminal.close', { id: 'x' })).rejects.toThrow('[not_found] no such terminal');
  });

  it('fails calls in flight on a replaced port as unavailable, and goes on over the new one', async () => {
    const link = new PortBridge();
    link.usePort(core(() => undefined).page);
    const lost = link.bridge.call('app.info', {});
    link.usePort(core((m) => ({ type: 'result', id: m.id, ok: true, value: 'again' })).page);
    await expect(lost).rejects.toThrow(/^\[unavailable\] the aios core restarted/);
    expect(await link.bridge.call('app.info', {})).toBe('again');
  });

  it('delivers contract events to listeners and ignores frames outside the contract', async () => {
    const link = new PortBridge();
    const { page, far } = core(() => undefined);
    link.usePort(page);
    const got: unknown[] = [];
    link.bridge.on('chat.delta', (e) => got.push(e));
    far.postMessage({ type: 'event', name: 'not.an.event', payload: 1 });
    far.postMessage({ nonsense: true });
    far.postMessage({ type: 'event', name: 'chat.delta', payload: { turnId: 't1', text: 'hi' } });
    await expect.poll(() => got).toEqual([{ turnId: 't1', text: 'hi' }]);
  });

  it('refuses names outside the contract before anything is sent', async () => {
    const link = new PortBridge();
    const { page, received } = core(() => undefined);
    link.usePort(page);
    await expect(link.bridge.call('shell.exec' as 'app.info', {})).rejects.toThrow(/^\[unknown_call\]/);
    expect(() => link.bridge.on('x' as 'chat.delta', () => undefined)).toThrow(/^\[unknown_call\]/);
    expect(received).toEqual([]);
  });
});
