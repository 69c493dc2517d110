/**
 * Exposes exactly the bridge contract as `window.aios`, and nothing else:
 * no ipcRenderer, no Node. Names outside the contract are refused here too.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isCallName, isEventName, type AiosBridge, type CallName, type EventName } from '../shared/contract';
import { callChannel, eventChannel } from '../shared/ipc';
import { bridgeErrorMessage } from '../shared/bridge-error';

interface IpcResult {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

const bridge: AiosBridge = {
  async call(name: CallName, request: unknown) {
    if (!isCallName(name)) throw new Error(bridgeErrorMessage('unknown_call', `unknown call '${String(name)}'`));
    const result = (await ipcRenderer.invoke(callChannel(name), request)) as IpcResult;
    if (result.ok) return result.value as never;
    throw new Error(bridgeErrorMessage(result.error?.code ?? 'internal', result.error?.message ?? 'call failed'));
  },
  on(name: EventName, listener: (payload: never) => void) {
    if (!isEventName(name)) throw new Error(bridgeErrorMessage('unknown_call', `unknown event '${String(name)}'`));
    const channel = eventChannel(name);
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
};

contextBridge.exposeInMainWorld('aios', bridge);
