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
export async function connectBridge(onWaiting?: (reason: string) => void): Promise<ConnectedBridge> {
  if (window.aios) return { bridge: withBridgeErrors(window.aios) };
  const ws = new WebSocketBridge();
  ws.onWaiting = onWaiting;
  await ws.connect();
  // Once in, the app is on the page; a later wait shows as the connection indicator's "reconnecting".
  ws.onWaiting = undefined;
  return { bridge: withBridgeErrors(ws), onConnectionChange: (l) => ws.onConnectionChange(l) };
}
