import type { WebPreferences } from 'electron';

/**
 * The renderer gets no Node, no Electron, and a sandboxed process: all it can
 * reach is `window.aios`, exposed by the preload through contextBridge.
 * `devTools: false` (the kiosk) means they cannot be opened at all.
 */
export function secureWebPreferences(preload: string, options: { devTools?: boolean } = {}): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: options.devTools ?? true,
  };
}
