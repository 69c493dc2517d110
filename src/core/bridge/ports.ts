/**
 * The shapes of Electron's MessagePortMain and utility-process parentPort
 * that the core uses, written out so the core needs no electron import (tests
 * stand in for them).
 */
export interface PortMessageEvent {
  data: unknown;
}

/** A MessagePortMain as the core sees it. */
export interface CorePort {
  on(event: 'message', listener: (event: PortMessageEvent) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** `process.parentPort` of an Electron utility process. */
export interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: CorePort[] }) => void): unknown;
  postMessage(message: unknown): void;
}
