/**
 * Exposes exactly the bridge contract as `window.aios`, and nothing else:
 * no ipcRenderer, no port, no Node. The calls go over a MessagePort that the
 * main process hands this page, straight to the core's utility process.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CORE_PORT_CHANNEL } from '../shared/ipc';
import { PortBridge, type BridgePort } from './port-bridge';

const link = new PortBridge();

ipcRenderer.on(CORE_PORT_CHANNEL, (event: IpcRendererEvent) => {
  const port = event.ports[0];
  if (port) link.usePort(port as unknown as BridgePort);
});

contextBridge.exposeInMainWorld('aios', link.bridge);
