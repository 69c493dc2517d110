/**
 * The Electron host, written against the electron objects it is handed so
 * tests can drive it with a fake module. main.ts only passes the real ones.
 */
import type * as ElectronModule from 'electron';
import type { BrowserWindow as BrowserWindowType, MessageBoxOptions } from 'electron';
import { CORE_PORT_CHANNEL, eventChannel } from '../../shared/ipc';
import { rendererDir } from '../../core/app-root';
import type { Env } from '../../core/config/paths';
import { formatProblem } from '../../core/config/load';
import { loadConfigForHost } from '../../core/setup/config-file';
import { Core } from '../../core/core';
import { RotatingFileLogger, type Logger } from '../../core/log';
import { APP_INDEX_URL, handleAppProtocol, isAppFrameUrl, registerAppScheme } from './app-protocol';
import { attachCrashRecovery, type CrashRecovery, type CrashRecoveryOptions } from './crash-recovery';
import { ExternalLinks } from './external-links';
import { NativeApprover } from './approval-dialog';
import { showMessageBoxOn } from './message-box';
import { denyAllPermissions, guardWebContents } from './guards';
import { CoreProcess, type CoreProcessOptions, type PortReceiver } from './core-process';
import { serveCorePort } from '../../core/bridge/serve-port';
import type { CorePort } from '../../core/bridge/ports';
import { registerIpcHandlers } from './ipc';
import { installProcessErrorHandlers } from './process-errors';
import { windowOptions } from './window-options';
import { loadWindowState, trackWindowState, windowStateFile } from './window-state';

/** The parts of the electron module the host uses (a fake in tests). */
export type ElectronApi = Pick<
  typeof ElectronModule,
  'app' | 'BrowserWindow' | 'ipcMain' | 'protocol' | 'session' | 'dialog' | 'shell' | 'screen' | 'Menu'
> &
  Partial<Pick<typeof ElectronModule, 'utilityProcess' | 'MessageChannelMain'>>;

export interface HostOptions {
  argv: readonly string[];
  env: Env;
  /** The built preload (`out/preload/index.cjs`). */
  preload: string;
  /** Defaults to the built renderer next to the app. */
  rendererDir?: string;
  logger?: Logger;
  /** Where main-process errors come from; `process` outside tests. */
  errorSource?: Pick<NodeJS.Process, 'on' | 'off'>;
  crashRecovery?: Partial<Pick<CrashRecoveryOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'stableMs' | 'schedule'>>;
  /**
   * The built core-host script (out/main/core-host.js): the core then runs in
   * a utility process and the UI talks to it over a MessagePort. Without it
   * the core runs in this process behind ipcMain (older tests only).
   */
  coreProcess?: { entry: string } & Partial<
    Pick<CoreProcessOptions, 'heartbeatMs' | 'heartbeatTimeoutMs' | 'maxRestarts' | 'restartWindowMs'>
  >;
}

export interface ElectronHost {
  /** False when another aios window already holds the lock (this one quits). */
  readonly primary: boolean;
  readonly kiosk: boolean;
  /** The in-process core (only without `coreProcess`). */
  readonly core: Core | undefined;
  /** The core's utility process (with `coreProcess`). */
  readonly coreProcess: CoreProcess | undefined;
  readonly logger: Logger;
  window(): BrowserWindowType | undefined;
  recovery(): CrashRecovery | undefined;
  /** Resolves once the window exists (after `app.whenReady()`). */
  readonly ready: Promise<void>;
}

export function startElectronHost(electron: ElectronApi, options: HostOptions): ElectronHost {
  const { app, dialog } = electron;
  registerAppScheme(electron.protocol);
  app.enableSandbox();

  const { loaded, firstRun } = loadConfigForHost(options.env);
  const logger = options.logger ?? new RotatingFileLogger({ dir: loaded.paths.logDir });
  const stopErrors = installProcessErrorHandlers(options.errorSource ?? process, {
    logger,
    show: (title, message) => dialog.showErrorBox(title, message),
  });
  const kiosk = options.argv.includes('--kiosk') || loaded.config.ui.kiosk;

  if (!app.requestSingleInstanceLock()) {
    logger.info('another aios window is already open; it was asked to come forward');
    app.quit();
    return {
      primary: false,
      kiosk,
      core: undefined,
      coreProcess: undefined,
      logger,
      window: () => undefined,
      recovery: () => undefined,
      ready: Promise.resolve(),
    };
  }

  logger.info(
    `aios starting (pid ${process.pid}, ${kiosk ? 'kiosk' : 'window'} mode, config ${loaded.file}${loaded.exists ? '' : ' (not found: defaults)'})`,
  );
  if (firstRun.kind === 'written') logger.info(`first start: wrote the shipped configuration to ${firstRun.file}`);
  if (firstRun.kind === 'failed')
    logger.warn(`first start: could not write ${firstRun.file} (${firstRun.message}); running on the built-in defaults`);
  for (const problem of loaded.problems) logger.warn(`config: ${formatProblem(problem)}`);

  let window: BrowserWindowType | undefined;
  // Approvals are native dialogs of this process: the renderer cannot answer them.
  const approver = new NativeApprover({ dialog, parent: () => window, logger });
  const coreProcess = options.coreProcess
    ? startCoreProcess(electron, options.coreProcess, {
        env: options.env,
        logger,
        approver,
        onGiveUp: (reason) => void askAfterCoreGaveUp(reason),
      })
    : undefined;
  const core = coreProcess ? undefined : new Core({ host: 'electron', env: options.env, config: loaded, chat: { approver } });
  let recovery: CrashRecovery | undefined;
  const links = new ExternalLinks({ dialog, shell: electron.shell, logger, parent: () => window });

  app.on('second-instance', () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });

  app.on('web-contents-created', (_event, contents) =>
    guardWebContents(contents, { kiosk, onExternalLink: (url) => void links.offer(url) }),
  );

  const createWindow = () => {
    const stateFile = windowStateFile(loaded.paths.dataDir);
    const displays = kiosk ? [] : electron.screen.getAllDisplays().map((d) => d.workArea);
    const state = kiosk ? undefined : loadWindowState(stateFile, logger, displays);
    const win = new electron.BrowserWindow(windowOptions({ kiosk, preload: options.preload, state }));
    window = win;
    if (state?.maximized) win.maximize();
    if (!kiosk) trackWindowState(win, stateFile, logger);
    const load = () => win.loadURL(APP_INDEX_URL);
    recovery = attachCrashRecovery(win, {
      logger,
      reload: load,
      ...options.crashRecovery,
      onGiveUp: (reason) => void askAfterGivingUp(reason),
    });
    const stopForwarding = core?.events.onAny((name, payload) => {
      if (!win.isDestroyed()) win.webContents.send(eventChannel(name), payload);
    });
    // Every load is a new page: it gets a new port to the core.
    win.webContents.on('did-finish-load', () => {
      if (coreProcess) coreProcess.attach(win.webContents);
      else if (core) linkInProcess(electron, core, win.webContents, logger);
    });
    const contentsId = win.webContents.id;
    win.on('closed', () => {
      stopForwarding?.();
      coreProcess?.detach({ id: contentsId });
      recovery?.dispose();
    });
    win.once('ready-to-show', () => win.show());
    load().catch((err: unknown) => logger.error(`could not load ${APP_INDEX_URL}`, err));
  };

  /** After repeated failures: retry (the first, default button) or quit. Resolves true for a retry. */
  const retryOrQuit = async (retry: string, message: string, detail: string): Promise<boolean> => {
    const box: MessageBoxOptions = {
      type: 'error',
      buttons: [retry, 'Quit'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
      title: 'aios',
      message,
      detail,
    };
    const { response } = await showMessageBoxOn(dialog, window, box);
    if (response === 1) app.quit();
    return response !== 1;
  };

  const askAfterGivingUp = async (reason: string) => {
    const detail = `Last failure: renderer ${reason}. Your shells and running commands are still there. Details are in the log.`;
    if (!(await retryOrQuit('Reload', 'The aios window keeps failing.', detail))) return;
    recovery?.reset();
    window?.loadURL(APP_INDEX_URL).catch((err: unknown) => logger.error('reloading the UI failed', err));
  };

  const askAfterCoreGaveUp = async (reason: string) => {
    const detail = `Last failure: core ${reason}. Shells and running commands of the failed core are gone. Details are in the log.`;
    if (await retryOrQuit('Restart the core', 'The aios core keeps failing.', detail)) coreProcess?.restartAfterGiveUp();
  };

  const ready = app.whenReady().then(() => {
    denyAllPermissions(electron.session.defaultSession);
    handleAppProtocol(electron.protocol, options.rendererDir ?? rendererDir(options.env));
    if (core) registerIpcHandlers(electron.ipcMain, core.handlers);
    coreProcess?.start();
    // The default menu's accelerators reload the page and open devtools.
    if (kiosk) electron.Menu.setApplicationMenu(null);
    createWindow();
  });
  ready.catch((err: unknown) => {
    logger.error('aios could not open its window', err);
    dialog.showErrorBox(
      'aios could not start',
      `${err instanceof Error ? err.message : String(err)}\n\nDetails are in ${logger instanceof RotatingFileLogger ? logger.file : 'the log'}.`,
    );
    app.exit(1);
  });

  app.on('window-all-closed', () => app.quit());
  // The core closes its shells and the memory file before the app goes (bounded by stop's grace time).
  let coreStopped = false;
  app.on('before-quit', (event: { preventDefault(): void }) => {
    if (!coreProcess || coreStopped) return;
    event.preventDefault();
    logger.info('aios quitting; asking the core to close its shells');
    void coreProcess.stop().finally(() => {
      coreStopped = true;
      app.quit();
    });
  });
  app.on('will-quit', () => {
    logger.info('aios quitting; closing shells');
    core?.dispose();
    coreProcess?.kill();
    stopErrors();
  });

  return { primary: true, kiosk, core, coreProcess, logger, window: () => window, recovery: () => recovery, ready };
}

function startCoreProcess(
  electron: ElectronApi,
  settings: NonNullable<HostOptions['coreProcess']>,
  deps: Pick<CoreProcessOptions, 'env' | 'logger' | 'approver' | 'onGiveUp'>,
): CoreProcess {
  if (!electron.utilityProcess || !electron.MessageChannelMain)
    throw new Error('this Electron has no utilityProcess: the core cannot run apart from the window');
  return new CoreProcess({
    ...settings,
    ...deps,
    utilityProcess: electron.utilityProcess,
    MessageChannelMain: electron.MessageChannelMain,
  });
}

/** Without a utility process: the page's port is served by the core in this process (same frames, same preload). */
function linkInProcess(electron: ElectronApi, core: Core, contents: PortReceiver, logger: Logger): void {
  if (!electron.MessageChannelMain || contents.isDestroyed()) return;
  if (!isAppFrameUrl(contents.getURL())) {
    logger.warn(`core link refused for ${contents.getURL() || 'an empty page'}: not the aios UI`);
    return;
  }
  const { port1, port2 } = new electron.MessageChannelMain();
  serveCorePort(core, port1 as unknown as CorePort, `electron-${contents.id}`);
  contents.postMessage(CORE_PORT_CHANNEL, null, [port2]);
}
