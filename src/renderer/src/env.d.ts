/// <reference types="vite/client" />
import type { AiosBridge } from '../../shared/contract';

declare global {
  interface Window {
    /** Present in Electron (exposed by the preload); absent in a browser. */
    aios?: AiosBridge;
  }
}

export {};
