import type { Session, WebContents } from 'electron';
import { isAppFrameUrl } from './app-protocol';

export interface GuardOptions {
  /** A link the page tried to open; the host may offer it to the person (http(s) only). */
  onExternalLink?: (url: string) => void;
  /** The kiosk: devtools are closed if anything opens them. */
  kiosk?: boolean;
}

type GuardedContents = Pick<WebContents, 'on' | 'setWindowOpenHandler' | 'closeDevTools'>;

/**
 * The window never leaves our UI: no navigation, no new windows, no
 * webviews. A link the page follows or opens is denied here and handed to
 * `onExternalLink`, which asks the person before a browser sees it.
 */
export function guardWebContents(contents: GuardedContents, options: GuardOptions = {}): void {
  const offer = (url: string) => {
    if (options.onExternalLink && !isAppFrameUrl(url)) options.onExternalLink(url);
  };
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    offer(event.url);
  });
  contents.on('will-frame-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    offer(url);
    return { action: 'deny' };
  });
  if (options.kiosk) contents.on('devtools-opened', () => contents.closeDevTools());
}

/**
 * Every permission request (camera, microphone, notifications, geolocation,
 * clipboard read, HID/USB/serial devices, …) is refused. The UI needs none:
 * the terminal pastes through the paste event, which asks for no permission.
 */
export function denyAllPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>,
): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
