import { BridgeError, BridgeErrorCodeSchema, type AiosBridge, type BridgeErrorCode } from './contract';

/**
 * Errors cross Electron's contextBridge as plain messages, so the code rides
 * in the message as `[code] text`; `toBridgeError` turns it back.
 */
export function bridgeErrorMessage(code: string, message: string): string {
  return `[${code}] ${message}`;
}

/** Any failure of a bridge call, as the BridgeError (code and message) a UI handles. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const m = /\[([a-z_]+)\] ([\s\S]*)$/.exec(text);
  if (m) {
    const code = BridgeErrorCodeSchema.safeParse(m[1]);
    if (code.success) return new BridgeError(code.data as BridgeErrorCode, m[2] ?? '');
  }
  return new BridgeError('internal', text);
}

/**
 * The one error shape for every bridge: calls (and `on` for an unknown
 * event) fail with a BridgeError whether the bridge is Electron's preload
 * or the WebSocket, so the UI handles `err.code` one way.
 */
export function withBridgeErrors(bridge: AiosBridge): AiosBridge {
  return {
    async call(name, request) {
      try {
        return await bridge.call(name, request);
      } catch (err) {
        throw toBridgeError(err);
      }
    },
    on(name, listener) {
      try {
        return bridge.on(name, listener);
      } catch (err) {
        throw toBridgeError(err);
      }
    },
  };
}
