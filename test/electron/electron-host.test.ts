import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { callNames } from '../../src/shared/contract';
import { callChannel } from '../../src/shared/ipc';
import { createFakeElectron, FakeBrowserWindow, ipcEvent, navigationEvent } from './fake-electron';

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
    await import('../../src/main/electron/main');
    fake.makeReady();
    await vi.waitFor(() => expect(FakeBrowserWindow.instances).toHaveLength(1));
  });

  afterAll(() => {
    fake.appEvents.emit('will-quit');
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
    expect(fake.privileged).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(fake.protocolHandlers.has('app')).toBe(true);
  });

  it('registers exactly one handler per contract call and nothing else', () => {
    expect([...fake.handlers.keys()].sort()).toEqual(callNames.map(callChannel).sort());
  });

  it('answers a call from the app frame', async () => {
    const handler = fake.handlers.get(callChannel('app.info'))!;
    const result = (await handler(ipcEvent('app://aios/index.html'), {})) as { ok: boolean; value: { host: string } };
    expect(result.ok).toBe(true);
    expect(result.value.host).toBe('electron');
  });

  it.each(callNames)('refuses %s from a foreign frame, a subframe or a frame without a URL', async (name) => {
    const handler = fake.handlers.get(callChannel(name))!;
    for (const event of [ipcEvent('https://evil.example/'), ipcEvent('file:///etc/passwd'), ipcEvent('app://aios/index.html', { subframe: true }), ipcEvent('app://other/index.html'), { senderFrame: null, sender: { id: 1 } }]) {
      const result = (await handler(event, {})) as { ok: boolean; error?: { code: string } };
      expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it.each(callNames)('refuses a malformed payload for %s', async (name) => {
    const handler = fake.handlers.get(callChannel(name))!;
    for (const payload of [undefined, null, 'x', { cols: 'wide' }, { id: '../../etc', data: 1 }, [1, 2]]) {
      const result = (await handler(ipcEvent('app://aios/index.html'), payload)) as { ok: boolean; error?: { code: string } };
      // app.info takes `{}` exactly; anything else is invalid for every call here.
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
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
