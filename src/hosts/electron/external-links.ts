import type { BrowserWindow, Dialog, MessageBoxOptions, Shell } from 'electron';
import type { Logger } from '../../core/log';
import { showMessageBoxOn } from './message-box';

/** Longer URLs are not links a person meant to follow. */
export const MAX_EXTERNAL_URL = 2048;

/**
 * The only links that may leave the app: http(s), without credentials in
 * them. Everything else (file:, javascript:, custom schemes that would start
 * other programs) is refused outright.
 */
export function externalLinkTarget(raw: string): URL | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_EXTERNAL_URL) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.hostname === '') return undefined;
  return url;
}

export type LinkOutcome = 'opened' | 'declined' | 'refused' | 'busy' | 'failed';

export interface ExternalLinkDeps {
  dialog: Pick<Dialog, 'showMessageBox'>;
  shell: Pick<Shell, 'openExternal'>;
  logger: Logger;
  /** The window the question belongs to, when there is one. */
  parent: () => BrowserWindow | undefined;
}

/**
 * Offers to open a link in the person's browser. The renderer can only ask;
 * the main process shows the question and opens the link only on "Open".
 * One question at a time, so a page cannot bury the screen in dialogs.
 */
export class ExternalLinks {
  private asking = false;

  constructor(private readonly deps: ExternalLinkDeps) {}

  async offer(raw: string): Promise<LinkOutcome> {
    const url = externalLinkTarget(raw);
    if (!url) {
      this.deps.logger.warn(`refused to open a link that is not http(s): ${String(raw).slice(0, 200)}`);
      return 'refused';
    }
    if (this.asking) return 'busy';
    this.asking = true;
    try {
      const options: MessageBoxOptions = {
        type: 'question',
        buttons: ['Open in browser', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        noLink: true,
        title: 'Open link',
        message: `Open ${url.host} in your web browser?`,
        detail: url.href,
      };
      const { response } = await showMessageBoxOn(this.deps.dialog, this.deps.parent(), options);
      if (response !== 0) return 'declined';
      await this.deps.shell.openExternal(url.href);
      this.deps.logger.info(`opened ${url.href} in the browser`);
      return 'opened';
    } catch (err) {
      this.deps.logger.error(`could not open ${url.href}`, err);
      return 'failed';
    } finally {
      this.asking = false;
    }
  }
}
