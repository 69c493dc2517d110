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
