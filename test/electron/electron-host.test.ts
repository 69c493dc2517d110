import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callNames } from '../../src/shared/contract';
import { CORE_SERVICE_NAME } from '../../src/shared/core-process';
import { CORE_PORT_CHANNEL } from '../../src/shared/ipc';
import { PortBridge } from '../../src/preload/port-bridge';
import { createFakeElectron, FakeBrowserWindow, navigationEvent } from './fake-electron';
import { domPort, endForks, type FakeMessagePortMain } from './fake-utility-process';

const fake = createFakeElectron();
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-electron-'));

describe('Electron host (with a fake electron module)', () => {
  beforeAll(async () => {
    vi.stubEnv('HOME', home);
    vi.stubEnv('XDG_CONFIG_HOME', path.join(home, '.config'));
    vi.stubEnv('XDG_DATA_HOME', path.join(home, '.local', 'share'));
    vi.stubEnv('AIOS_CONFIG_DIR', path.join(home, 'config'));
    vi.stubEnv('AIOS_DATA_DIR', path.join(home, 'data'));
    await import('../../src/hosts/electron/main');
    fake.makeReady();
    await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
  });

  afterAll(async () => {
    fake.appEvents.emit('will-quit');
    await endForks(fake.utilityProcess);
    vi.unstubAllEnvs();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('opens one window whose renderer has no Node and is sandboxed', () => {
    const prefs = FakeBrowserWindow.instances[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(fake.calls.enableSandbox).toBe(1);
  });

  it('loads the UI from the app:// protocol, never file://', () => {
    expect(FakeBrowserWindow.instances[0]!.loadedUrl).toBe('app://aios/index.html');
    expect(fake.privileged).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    expect(fake.protocolHandlers.has('app')).toBe(true);
  });

  it('starts the core with utilityProcess.fork and registers no ipcMain handler', () => {
    expect(fake.utilityProcess.forks).toHaveLength(1);
    expect(fake.utilityProcess.forks[0]!.options).toMatchObject({ serviceName: CORE_SERVICE_NAME });
    expect(String(fake.utilityProcess.forks[0]!.options.requestedPath)).toMatch(/core-host\.js$/);
    expect(fake.handlers.size).toBe(0);
  });

  /** The page's side, as the preload runs it, on the port main hands the app frame. */
  function pageBridge() {
    const contents = FakeBrowserWindow.instances[0]!.webContents;
    contents.emit('did-finish-load');
    const posted = contents.posted.filter((p) => p.channel === CORE_PORT_CHANNEL).at(-1)!;
    const dom = domPort(posted.ports[0] as FakeMessagePortMain);
    const bridge = new PortBridge();
    bridge.usePort(dom);
    return bridge.bridge;
  }

  it('answers a call from the app frame over its port', async () => {
    const info = await pageBridge().call('app.info', {});
    expect(info.host).toBe('electron');
  });

  it('hands no port to a page that is not the aios UI', () => {
    const contents = FakeBrowserWindow.instances[0]!.webContents;
    const before = contents.posted.length;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', '']) {
      contents.url = url;
      contents.emit('did-finish-load');
    }
    contents.url = 'app://aios/index.html';
    expect(contents.posted.length).toBe(before);
  });

  it.each(callNames)('refuses a malformed payload for %s', async (name) => {
    const bridge = pageBridge();
    for (const payload of [undefined, null, 'x', { cols: 'wide' }, { id: '../../etc', data: 1 }, [1, 2]]) {
      // app.info takes `{}` exactly; anything else is invalid for every call here.
      await expect(bridge.call(name, payload as never)).rejects.toThrow(/^\[invalid_request\]/);
    }
  });

  it('denies navigation, new windows, webviews and every permission', () => {
    const contents = FakeBrowserWindow.instances[0]!.webContents;
    fake.appEvents.emit('web-contents-created', {}, contents);
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = navigationEvent('https://evil.example/');
      contents.emit(name, event, 'https://evil.example/');
      expect(event.defaultPrevented, name).toBe(true);
    }
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let granted: boolean | undefined;
    fake.permission.request?.({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    expect(fake.permission.check?.({}, 'notifications')).toBe(false);
    expect(fake.permission.device?.({ deviceType: 'usb' })).toBe(false);
  });

  it('logs to <data dir>/logs/aios.log', () => {
    const log = fs.readFileSync(path.join(home, 'data', 'logs', 'aios.log'), 'utf8');
    expect(log).toMatch(/INFO +aios starting \(pid \d+, window mode/);
  });
});
