import { afterEach, describe, expect, it, vi } from 'vitest';
import { BridgeError, type AiosBridge } from '../../src/shared/contract';

// Loaded by a computed path: the node typecheck of the tests has no DOM
// library, and connect.ts (with the WebSocket bridge it imports) needs one.
const connectModule = '../../src/renderer/src/bridge/connect';
const { connectBridge } = (await import(connectModule)) as {
  connectBridge: () => Promise<{ bridge: AiosBridge; onConnectionChange?: unknown }>;
};

afterEach(() => vi.unstubAllGlobals());

describe('connectBridge in Electron', () => {
  it("wraps the preload's window.aios so failures arrive as BridgeErrors, like the WebSocket bridge's", async () => {
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
