import type { BrowserWindow, Dialog, MessageBoxOptions, MessageBoxReturnValue } from 'electron';

/**
 * Shows a message box modal to `parent` while that window is alive, and on
 * its own otherwise: a question must never be lost because the window went.
 */
export function showMessageBoxOn(
  dialog: Pick<Dialog, 'showMessageBox'>,
  parent: BrowserWindow | undefined,
  options: MessageBoxOptions,
): Promise<MessageBoxReturnValue> {
  return parent && !parent.isDestroyed() ? dialog.showMessageBox(parent, options) : dialog.showMessageBox(options);
}
