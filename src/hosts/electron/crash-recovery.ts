import type { Logger } from '../../core/log';

export interface RecoverableContents {
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
  on(event: 'did-finish-load', listener: () => void): unknown;
  forcefullyCrashRenderer(): void;
}

export interface RecoverableWindow {
  on(event: 'unresponsive' | 'responsive', listener: () => void): unknown;
  isDestroyed(): boolean;
  readonly webContents: RecoverableContents;
}

export interface CrashRecoveryOptions {
  logger: Logger;
  /** Loads the UI again (the app:// index page). */
  reload: () => Promise<void>;
  /** Called once the reloads are used up; the host asks the person what to do. */
  onGiveUp: (reason: string) => void;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A UI that stays up this long after loading counts as recovered. */
  stableMs?: number;
  schedule?: (fn: () => void, ms: number) => () => void;
}

export interface CrashRecovery {
  /** Crashes and hangs seen since the UI last stayed up. */
  readonly attempts: number;
  /** Starts counting afresh (the person chose "Reload" after a give-up). */
  reset(): void;
  dispose(): void;
}

const defaultSchedule = (fn: () => void, ms: number) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/**
 * Reloads the UI when its renderer dies or hangs. Only the renderer goes:
 * the Core lives in the main process, so shells and running commands carry
 * on and the reloaded UI reattaches to them. Reloads back off and stop after
 * `maxAttempts` in a row, so a UI that crashes on load does not spin.
 */
export function attachCrashRecovery(window: RecoverableWindow, options: CrashRecoveryOptions): CrashRecovery {
  const { logger } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelay = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 15_000;
  const stableMs = options.stableMs ?? 30_000;
  const schedule = options.schedule ?? defaultSchedule;
  let attempts = 0;
  let pending: (() => void) | undefined;
  let stable: (() => void) | undefined;
  let gaveUp = false;
  let disposed = false;

  const recover = (reason: string) => {
    if (disposed || window.isDestroyed()) return;
    if (pending || gaveUp) {
      logger.debug(`renderer ${reason}; a reload is already under way`);
      return;
    }
    stable?.();
    stable = undefined;
    attempts++;
    if (attempts > maxAttempts) {
      gaveUp = true;
      logger.error(`renderer ${reason}; giving up after ${maxAttempts} reloads in a row`);
      options.onGiveUp(reason);
      return;
    }
    const delay = Math.min(maxDelay, baseDelay * 2 ** (attempts - 1));
    logger.warn(`renderer ${reason}; reloading the UI in ${delay} ms (attempt ${attempts} of ${maxAttempts}); the core keeps running`);
    let fired = false;
    const cancel = schedule(() => {
      fired = true;
      pending = undefined;
      if (disposed || window.isDestroyed()) return;
      options.reload().catch((err: unknown) => logger.error('reloading the UI failed', err));
    }, delay);
    // A scheduler may run the reload at once; then nothing is pending.
    if (!fired) pending = cancel;
  };

  window.webContents.on('render-process-gone', (_event, details) =>
    recover(`process gone (${details.reason}, exit code ${details.exitCode})`),
  );
  window.on('unresponsive', () => {
    if (disposed || window.isDestroyed() || pending) return;
    // A hung renderer cannot be reloaded in place; end it, then reload.
    logger.warn('renderer unresponsive; ending it');
    recover('unresponsive');
    try {
      window.webContents.forcefullyCrashRenderer();
    } catch (err) {
      logger.error('could not end the unresponsive renderer', err);
    }
  });
  window.webContents.on('did-finish-load', () => {
    stable?.();
    let fired = false;
    const cancel = schedule(() => {
      fired = true;
      stable = undefined;
      if (attempts > 0) logger.info(`UI stable again after ${attempts} reload(s)`);
      attempts = 0;
    }, stableMs);
    stable = fired ? undefined : cancel;
  });

  return {
    get attempts() {
      return attempts;
    },
    reset() {
      attempts = 0;
      gaveUp = false;
    },
    dispose() {
      disposed = true;
      pending?.();
      stable?.();
    },
  };
}
