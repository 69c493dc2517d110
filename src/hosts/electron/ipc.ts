import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { callNames, type CallName } from '../../shared/contract';
import { callChannel } from '../../shared/ipc';
import { dispatchCall, type DispatchResult, type Handlers } from '../../core/bridge/dispatch';
import { isAppFrameUrl } from './app-protocol';

/**
 * One `ipcMain.handle` per contract call. Each checks that the call comes
 * from a frame showing our own UI before the payload is even parsed; the
 * payload then goes through the same validation as on every host.
 */
export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: Handlers): () => void {
  for (const name of callNames) {
    ipcMain.handle(callChannel(name), (event: IpcMainInvokeEvent, payload: unknown) => handleIpcCall(handlers, name, event, payload));
  }
  return () => {
    for (const name of callNames) ipcMain.removeHandler(callChannel(name));
  };
}

export async function handleIpcCall(
  handlers: Handlers,
  name: CallName,
  event: IpcMainInvokeEvent,
  payload: unknown,
): Promise<DispatchResult> {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null || !isAppFrameUrl(frame.url)) {
    return { ok: false, error: { code: 'forbidden', message: `${name} refused: the caller is not the aios UI` } };
  }
  return dispatchCall(handlers, name, payload, { clientId: `electron-${event.sender.id}` });
}
