/**
 * Electron IPC channel names, derived from the contract so no host or
 * preload spells a channel by hand.
 */
import type { CallName, EventName } from './contract';

const PREFIX = 'aios';

export function callChannel(name: CallName): string {
  return `${PREFIX}:call:${name}`;
}

export function eventChannel(name: EventName): string {
  return `${PREFIX}:event:${name}`;
}

/** Main posts the renderer's MessagePort to the core on this channel (once per core start and page load). */
export const CORE_PORT_CHANNEL = `${PREFIX}:core-port`;
