/**
 * A stand-in for the `electron` module (no Electron binary exists on these
 * machines): it records what the glue code asks of Electron so tests can
 * check the security-relevant settings and drive handlers directly.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl: string | undefined;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return false;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
  show(): void {}
}

export function createFakeElectron() {
  const appEvents = new EventEmitter();
  const handlers = new Map<string, Handler>();
  const protocolHandlers = new Map<string, (request: { url: string }) => Promise<Response>>();
  const privileged: unknown[] = [];
  const permission = { request: undefined as undefined | ((...a: unknown[]) => void), check: undefined as undefined | ((...a: unknown[]) => boolean) };
  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const calls = { enableSandbox: 0, quit: 0 };

  const electron = {
    app: {
      enableSandbox: () => void calls.enableSandbox++,
      requestSingleInstanceLock: () => true,
      quit: () => void calls.quit++,
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
      },
    },
  };
  return { electron, appEvents, handlers, protocolHandlers, privileged, permission, calls, makeReady: readyResolve };
}

/** An IPC event as Electron would deliver it, from a frame at `url`. */
export function ipcEvent(url: string, options: { subframe?: boolean; senderId?: number } = {}) {
  return {
    senderFrame: { url, parent: options.subframe ? { url } : null },
    sender: { id: options.senderId ?? 1 },
  };
}
