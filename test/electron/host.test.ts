import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callChannel } from '../../src/shared/ipc';
import { startElectronHost, type ElectronApi, type HostOptions } from '../../src/hosts/electron/host';
import { createFakeElectron, FakeBrowserWindow, ipcEvent, recordingLogger, navigationEvent, type FakeOptions } from './fake-electron';
import { isolatedEnv } from '../support/temp';

let home: string;
let fake: ReturnType<typeof createFakeElectron>;
const quitters: Array<() => void> = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return isolatedEnv(home, {
    AIOS_CONFIG_DIR: path.join(home, 'config'),
    AIOS_DATA_DIR: path.join(home, 'data'),
    SHELL: '/bin/sh',
    ...extra,
  });
}

/** Starts a host on a fresh fake electron; crash-recovery reloads run when the test says so. */
async function start(options: { argv?: string[]; fake?: FakeOptions; host?: Partial<HostOptions> } = {}) {
  FakeBrowserWindow.instances = [];
  fake = createFakeElectron(options.fake);
  const logger = recordingLogger();
  const errors = new EventEmitter();
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const host = startElectronHost(fake.electron as unknown as ElectronApi, {
    argv: options.argv ?? ['electron', 'out/main/index.js'],
    env: env(),
    preload: '/app/out/preload/index.cjs',
    rendererDir: path.join(home, 'renderer'),
    logger,
    errorSource: errors as unknown as NodeJS.Process,
    crashRecovery: {
      schedule: (fn, ms) => {
        const timer = { fn, ms };
        timers.push(timer);
        return () => timers.splice(timers.indexOf(timer) >>> 0, 1);
      },
    },
    ...options.host,
  });
  quitters.push(() => fake.appEvents.emit('will-quit'));
  fake.makeReady();
  await host.ready;
  const runTimers = () => {
    for (const t of timers.splice(0)) t.fn();
  };
  return { host, logger, errors, timers, runTimers, window: FakeBrowserWindow.instances[0] };
}

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-host-'));
  fs.mkdirSync(path.join(home, 'renderer'));
  fs.writeFileSync(path.join(home, 'renderer', 'index.html'), '<!doctype html><title>aios</title>');
});

afterEach(() => {
  for (const quit of quitters.splice(0)) quit();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('window modes', () => {
  it('opens a normal window with the secure preferences and devtools available', async () => {
    const { window, host } = await start();
    expect(host.kiosk).toBe(false);
    expect(window!.options).toMatchObject({ kiosk: false, fullscreen: false, frame: true, width: 1200, height: 800, show: false });
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      devTools: true,
    });
    expect(fake.calls.applicationMenu).toEqual([]);
  });

  it('--kiosk opens one frameless full-screen window with devtools off and no menu', async () => {
    const { window, host } = await start({ argv: ['electron', 'out/main/index.js', '--kiosk'] });
    expect(host.kiosk).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(window!.options).toMatchObject({ kiosk: true, fullscreen: true, frame: false });
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      devTools: false,
    });
    expect(fake.calls.applicationMenu).toEqual([null]);
    fake.appEvents.emit('web-contents-created', {}, window!.webContents);
    window!.webContents.emit('devtools-opened');
    expect(window!.webContents.devToolsClosed).toBe(1);
  });

  it('[ui] kiosk = true in config.toml turns on the kiosk too', async () => {
    fs.mkdirSync(path.join(home, 'config'), { recursive: true });
    fs.writeFileSync(path.join(home, 'config', 'config.toml'), '[ui]\nkiosk = true\n');
    const { window, host } = await start();
    expect(host.kiosk).toBe(true);
    expect(window!.options).toMatchObject({ kiosk: true, fullscreen: true, frame: false });
  });

  it('remembers the normal window size and place in <data dir>/window-state.json', async () => {
    const first = await start();
    first.window!.bounds = { x: 100, y: 50, width: 900, height: 700 };
    first.window!.emit('close');
    const file = path.join(home, 'data', 'window-state.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ x: 100, y: 50, width: 900, height: 700, maximized: false });
    fake.appEvents.emit('will-quit');

    const second = await start();
    expect(second.window!.options).toMatchObject({ x: 100, y: 50, width: 900, height: 700 });
  });

  it('falls back to the default size when the saved state is corrupt, and logs it', async () => {
    fs.mkdirSync(path.join(home, 'data'), { recursive: true });
    fs.writeFileSync(path.join(home, 'data', 'window-state.json'), '{"width": 900, "height": ');
    const { window, logger } = await start();
    expect(window!.options).toMatchObject({ width: 1200, height: 800 });
    expect(window!.options).not.toHaveProperty('x');
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('window-state.json is not JSON'))).toBe(true);
  });

  it('does not persist window state in kiosk mode', async () => {
    const { window } = await start({ argv: ['x', '--kiosk'] });
    window!.emit('close');
    expect(fs.existsSync(path.join(home, 'data', 'window-state.json'))).toBe(false);
  });
});

describe('single instance', () => {
  it('a second launch quits at once without a window or a core', async () => {
    const { host } = await start({ fake: { lock: false } });
    expect(host.primary).toBe(false);
    expect(host.core).toBeUndefined();
    expect(fake.calls.quit).toBe(1);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(fake.handlers.size).toBe(0);
  });

  it('the first instance comes forward when a second one starts', async () => {
    const { window } = await start();
    window!.minimized = true;
    fake.appEvents.emit('second-instance', {}, ['aios'], '/');
    expect(window!.minimized).toBe(false);
    expect(window!.focused).toBe(1);
  });
});

describe('crash recovery', () => {
  it('reloads the UI when the renderer is gone, and the shell survives', async () => {
    const { window, host, runTimers, timers } = await start();
    const open = fake.handlers.get(callChannel('terminal.open'))!;
    const session = (await open(ipcEvent('app://aios/index.html'), { cols: 80, rows: 24 })) as {
      ok: boolean;
      value: { id: string; pid: number };
    };
    expect(session.ok).toBe(true);

    window!.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    expect(timers).toHaveLength(1);
    runTimers();
    expect(window!.loads).toEqual(['app://aios/index.html', 'app://aios/index.html']);
    expect(host.recovery()!.attempts).toBe(1);

    const again = (await open(ipcEvent('app://aios/index.html'), { cols: 80, rows: 24, attach: true })) as {
      ok: boolean;
      value: { id: string; pid: number; attached: boolean };
    };
    expect(again.value).toMatchObject({ id: session.value.id, pid: session.value.pid, attached: true });
    expect(() => process.kill(session.value.pid, 0)).not.toThrow();
  });

  it('ends a hung renderer and reloads it once', async () => {
    const { window, runTimers, logger } = await start();
    window!.emit('unresponsive');
    expect(window!.webContents.crashed).toBe(1);
    runTimers();
    expect(window!.loads).toHaveLength(2);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('unresponsive'))).toBe(true);
  });

  it('gives up after the bounded retries and asks the person; "Reload" starts over', async () => {
    const { window, runTimers, host } = await start({ fake: { messageBoxResponse: 0 }, host: {} });
    for (let i = 0; i < 5; i++) {
      window!.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
      runTimers();
    }
    expect(window!.loads).toHaveLength(6);
    window!.webContents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    await new Promise((r) => setImmediate(r));
    expect(fake.dialogs.messageBoxes).toHaveLength(1);
    expect(window!.loads).toHaveLength(7);
    expect(host.recovery()!.attempts).toBe(0);
    expect(fake.calls.quit).toBe(0);
  });
});

describe('external links', () => {
  it('a window.open of an https link is denied, then opened in the browser after the person confirms', async () => {
    const { window } = await start({ fake: { messageBoxResponse: 0 } });
    fake.appEvents.emit('web-contents-created', {}, window!.webContents);
    expect(window!.webContents.windowOpenHandler!({ url: 'https://example.org/docs' })).toEqual({ action: 'deny' });
    await waitUntil(() => fake.opened.length === 1);
    expect(fake.dialogs.messageBoxes).toHaveLength(1);
    expect(fake.opened).toEqual(['https://example.org/docs']);
  });

  it('a declined link is not opened', async () => {
    const { window } = await start({ fake: { messageBoxResponse: 1 } });
    fake.appEvents.emit('web-contents-created', {}, window!.webContents);
    const event = navigationEvent('http://example.org/');
    window!.webContents.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(true);
    await waitUntil(() => fake.dialogs.messageBoxes.length === 1);
    await new Promise((r) => setImmediate(r));
    expect(fake.opened).toEqual([]);
  });

  it.each([
    'file:///etc/passwd',
    'javascript:alert(1)',
    'ssh://host',
    'app://aios/index.html',
    'https://user:pw@example.org/',
    'mailto:a@b.c',
  ])('refuses %s without asking', async (url) => {
    const { window } = await start({ fake: { messageBoxResponse: 0 } });
    fake.appEvents.emit('web-contents-created', {}, window!.webContents);
    expect(window!.webContents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    await new Promise((r) => setImmediate(r));
    expect(fake.dialogs.messageBoxes).toHaveLength(0);
    expect(fake.opened).toEqual([]);
  });
});

describe('main-process errors', () => {
  it('are logged and shown, and the app keeps running', async () => {
    const { errors, logger } = await start();
    errors.emit('uncaughtException', new Error('boom'));
    errors.emit('unhandledRejection', new Error('lost promise'));
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'main process: unexpected error',
      'main process: unhandled promise rejection',
    ]);
    expect(fake.dialogs.errorBoxes.map(([, body]) => body.split('\n')[0])).toEqual(['boom', 'lost promise']);
    expect(fake.calls.quit + fake.calls.exit).toBe(0);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}
