import type { Logger } from '../../core/log';

export interface ProcessErrorOptions {
  logger: Logger;
  /** Shows the error to the person (Electron: `dialog.showErrorBox`). */
  show: (title: string, message: string) => void;
  /** At most this many errors are shown per `windowMs`; the rest are only logged. */
  maxShown?: number;
  windowMs?: number;
  now?: () => number;
}

type ErrorSource = Pick<NodeJS.Process, 'on' | 'off'>;

/**
 * A failure in the main process is logged and shown, never a silent exit:
 * the Core keeps the shells and running commands, so staying up with the
 * error on screen beats vanishing. Showing is rate-limited so an error in a
 * loop cannot stack dialogs without end.
 */
export function installProcessErrorHandlers(proc: ErrorSource, options: ProcessErrorOptions): () => void {
  const maxShown = options.maxShown ?? 3;
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  let shown: number[] = [];

  const report = (kind: string, error: unknown) => {
    options.logger.error(`main process: ${kind}`, error);
    const t = now();
    shown = shown.filter((at) => t - at < windowMs);
    if (shown.length >= maxShown) return;
    shown.push(t);
    const message = error instanceof Error ? `${error.message}\n\n${error.stack ?? ''}` : String(error);
    try {
      options.show(`aios: ${kind}`, `${message}\n\naios keeps running; details are in the log.`);
    } catch (err) {
      options.logger.error('could not show the error', err);
    }
  };
  const onException = (error: Error) => report('unexpected error', error);
  const onRejection = (reason: unknown) => report('unhandled promise rejection', reason);
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.off('uncaughtException', onException);
    proc.off('unhandledRejection', onRejection);
  };
}
