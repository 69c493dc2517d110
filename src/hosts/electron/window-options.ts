import type { BrowserWindowConstructorOptions } from 'electron';
import { secureWebPreferences } from './web-preferences';
import type { WindowState } from './window-state';

export const DEFAULT_WIDTH = 1200;
export const DEFAULT_HEIGHT = 800;
export const MIN_WIDTH = 480;
export const MIN_HEIGHT = 320;
const BACKGROUND = '#0f1115';

/**
 * The kiosk is one frameless full-screen window without devtools: what the
 * autostarted session shows to whoever stands in front of it. Otherwise a
 * normal window at the size and place it had last time.
 */
export function windowOptions(options: { kiosk: boolean; preload: string; state?: WindowState }): BrowserWindowConstructorOptions {
  const common = { show: false, backgroundColor: BACKGROUND, autoHideMenuBar: true, title: 'aios' };
  if (options.kiosk) {
    return {
      ...common,
      kiosk: true,
      fullscreen: true,
      frame: false,
      webPreferences: secureWebPreferences(options.preload, { devTools: false }),
    };
  }
  const state = options.state;
  return {
    ...common,
    width: state?.width ?? DEFAULT_WIDTH,
    height: state?.height ?? DEFAULT_HEIGHT,
    ...(state?.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    kiosk: false,
    fullscreen: false,
    frame: true,
    webPreferences: secureWebPreferences(options.preload),
  };
}
