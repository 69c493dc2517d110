/**
 * A stand-in for the `electron` module (no Electron binary exists on these
 * machines): it records what the glue code asks of Electron so tests can
 * check the security-relevant settings and drive handlers directly.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { RotatingFileLogger, type LogLevel } from '../../src/core/log';
import { createFakeUtilityProcess, FakeMessageChannelMain, type FakeMessagePortMain } from './fake-utility-process';

/** The core host's source: what the fake `utilityProcess.fork` runs for `core-host.js`. */
export const CORE_HOST_SOURCE = path.join(import.meta.dirname, '..', '..', 'src', 'hosts', 'core-host', 'main.ts');

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  /** `postMessage` calls (MessagePorts handed to the page). */
  readonly posted: Array<{ channel: string; message: unknown; ports: FakeMessagePortMain[] }> = [];
  url = '';
  destroyed = false;
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  postMessage(channel: string, message: unknown, ports: FakeMessagePortMain[] = []): void {
    this.posted.push({ channel, message, ports });
  }
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  devToolsClosed = 0;
  crashed = 0;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  closeDevTools(): void {
    this.devToolsClosed++;
  }
  /** Like Electron: ending the renderer reports it gone. */
  forcefullyCrashRenderer(): void {
    this.crashed++;
    this.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loads: string[] = [];
  loadedUrl: string | undefined;
  bounds = { x: 10, y: 20, width: 1200, height: 800 };
  maximized = false;
  minimized = false;
  destroyed = false;
  focused = 0;
  shown = 0;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.url = url;
    this.loads.push(url);
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  maximize(): void {
    this.maximized = true;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused++;
  }
  show(): void {
    this.shown++;
  }
}

export interface FakeOptions {
  /** What `requestSingleInstanceLock` answers (false: another instance runs). */
  lock?: boolean;
  displays?: Array<{ x: number; y: number; width: number; height: number }>;
  /** The button index `dialog.showMessageBox` answers with. */
  messageBoxResponse?: number;
}

export function createFakeElectron(fakeOptions: FakeOptions = {}) {
  const appEvents = new EventEmitter();
  const handlers = new Map<string, Handler>();
  const protocolHandlers = new Map<string, (request: { url: string }) => Promise<Response>>();
  const privileged: unknown[] = [];
  const permission = {
    request: undefined as undefined | ((...a: unknown[]) => void),
    check: undefined as undefined | ((...a: unknown[]) => boolean),
    device: undefined as undefined | ((...a: unknown[]) => boolean),
  };
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const calls = { enableSandbox: 0, quit: 0, exit: 0, applicationMenu: [] as unknown[] };
  const dialogs = {
    messageBoxes: [] as unknown[][],
    errorBoxes: [] as Array<[string, string]>,
    response: fakeOptions.messageBoxResponse ?? 1,
    /** When set, answers message boxes instead of `response` (e.g. a box left open until its signal aborts). */
    responder: undefined as undefined | ((args: unknown[]) => Promise<{ response: number; checkboxChecked: boolean }>),
  };
  const opened: string[] = [];
  const utilityProcess = createFakeUtilityProcess(CORE_HOST_SOURCE);

  const electron = {
    utilityProcess,
    MessageChannelMain: FakeMessageChannelMain,
    app: {
      enableSandbox: () => void calls.enableSandbox++,
      requestSingleInstanceLock: () => fakeOptions.lock ?? true,
      quit: () => void calls.quit++,
      exit: () => void calls.exit++,
      on: (name: string, listener: (...args: unknown[]) => void) => appEvents.on(name, listener),
      whenReady: () => ready,
    },
    BrowserWindow: FakeBrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: Handler) => {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, handler);
      },
      removeHandler: (channel: string) => handlers.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => privileged.push(...schemes),
      handle: (scheme: string, handler: (request: { url: string }) => Promise<Response>) => protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: (...a: unknown[]) => void) => (permission.request = h),
        setPermissionCheckHandler: (h: (...a: unknown[]) => boolean) => (permission.check = h),
        setDevicePermissionHandler: (h: (...a: unknown[]) => boolean) => (permission.device = h),
      },
    },
    dialog: {
      showMessageBox: (...args: unknown[]) => {
        dialogs.messageBoxes.push(args);
        if (dialogs.responder) return dialogs.responder(args);
        return Promise.resolve({ response: dialogs.response, checkboxChecked: false });
      },
      showErrorBox: (title: string, content: string) => void dialogs.errorBoxes.push([title, content]),
    },
    shell: {
      openExternal: (url: string) => {
        opened.push(url);
        return Promise.resolve();
      },
    },
    screen: {
      getAllDisplays: () =>
        (fakeOptions.displays ?? [{ x: 0, y: 0, width: 1920, height: 1080 }]).map((workArea) => ({ workArea, bounds: workArea })),
    },
    Menu: {
      setApplicationMenu: (menu: unknown) => void calls.applicationMenu.push(menu),
    },
  };
  return {
    electron,
    utilityProcess,
    appEvents,
    handlers,
    protocolHandlers,
    privileged,
    permission,
    calls,
    dialogs,
    opened,
    makeReady: readyResolve,
  };
}

/** An IPC event as Electron would deliver it, from a frame at `url`. */
export function ipcEvent(url: string, options: { subframe?: boolean; senderId?: number } = {}) {
  return {
    senderFrame: { url, parent: options.subframe ? { url } : null },
    sender: { id: options.senderId ?? 1 },
  };
}

/** A navigation event whose default can be prevented, as Electron passes it. */
export function navigationEvent(url: string) {
  return {
    url,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

/**
 * The real rotating file logger, in a temp folder removed when the test ends,
 * that also keeps each call so a test can assert on level and message. Not a
 * stand-in: what the code logs lands in a real aios.log too (`readFile`).
 */
class RecordingFileLogger extends RotatingFileLogger {
  readonly lines: Array<{ level: string; message: string; detail?: unknown }> = [];
  override write(level: LogLevel, message: string, detail?: unknown): void {
    this.lines.push({ level, message, ...(detail !== undefined ? { detail } : {}) });
    super.write(level, message, detail);
  }
  readFile(): string {
    return fs.existsSync(this.file) ? fs.readFileSync(this.file, 'utf8') : '';
  }
}

export function recordingLogger(): RecordingFileLogger {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-test-log-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return new RecordingFileLogger({ dir });
}
