import { afterEach, describe, expect, it, vi } from 'vitest';
import { BridgeError, type AiosBridge } from '../../src/shared/contract';
import { connectBridge } from '../../src/renderer/src/bridge/connect';

afterEach(() => vi.unstubAllGlobals());

describe('connectBridge in Electron', () => {
  it('wraps the preload\'s window.aios so failures arrive as BridgeErrors, like the WebSocket bridge\'s', async () => {
    const preload: AiosBridge = {
      call: () => Promise.reject(new Error("Error invoking remote method: Error: [not_found] no terminal 't1'")),
      on: () => () => undefined,
    };
    vi.stubGlobal('window', { aios: preload });
    const { bridge, onConnectionChange } = await connectBridge();
    expect(onConnectionChange).toBeUndefined();
    const err = await bridge.call('terminal.close', { id: 't1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: 'not_found', message: "no terminal 't1'" });
  });
});
