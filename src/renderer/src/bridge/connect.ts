import type { AiosBridge } from '../../../shared/contract';
import { withBridgeErrors } from '../../../shared/bridge-error';
import { WebSocketBridge, type ConnectionState } from './websocket-bridge';

export interface ConnectedBridge {
  bridge: AiosBridge;
  /** Only the browser host has a connection that can drop. */
  onConnectionChange?: (listener: (state: ConnectionState, reconnected: boolean) => void) => () => void;
}

/**
 * Electron's preload provides `window.aios`; in a browser we dial the host.
 * Either way failed calls reject with a BridgeError (`withBridgeErrors`).
 */
export async function connectBridge(): Promise<ConnectedBridge> {
  if (window.aios) return { bridge: withBridgeErrors(window.aios) };
  const ws = new WebSocketBridge();
  await ws.connect();
  return { bridge: withBridgeErrors(ws), onConnectionChange: (l) => ws.onConnectionChange(l) };
}
