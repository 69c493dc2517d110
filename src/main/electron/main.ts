/**
 * The Electron host: one window showing the UI from app://, IPC derived
 * from the bridge contract, and the same Core the other hosts use.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { eventChannel } from '../../shared/ipc';
import { rendererDir } from '../core/app-root';
import { Core } from '../core/core';
import { APP_INDEX_URL, handleAppProtocol, registerAppScheme } from './app-protocol';
import { denyAllPermissions, guardWebContents } from './guards';
import { registerIpcHandlers } from './ipc';
import { secureWebPreferences } from './web-preferences';

const here = path.dirname(fileURLToPath(import.meta.url));
const kiosk = process.argv.includes('--kiosk');

registerAppScheme(protocol);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | undefined;
  const core = new Core({ host: 'electron' });

  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

  void app.whenReady().then(() => {
    denyAllPermissions(session.defaultSession);
    handleAppProtocol(protocol, rendererDir());
    registerIpcHandlers(ipcMain, core.handlers);
    window = new BrowserWindow({
      width: 1200,
      height: 800,
      show: false,
      backgroundColor: '#0f1115',
      kiosk,
      fullscreen: kiosk,
      frame: !kiosk,
      autoHideMenuBar: true,
      webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
    });
    const target = window;
    core.events.onAny((name, payload) => {
      if (!target.isDestroyed()) target.webContents.send(eventChannel(name), payload);
    });
    target.once('ready-to-show', () => target.show());
    void target.loadURL(APP_INDEX_URL);
  });

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => core.dispose());
}
