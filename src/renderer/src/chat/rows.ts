/** Row helpers the chat reducers share: ids for new rows, finding a row, replacing one without touching the others. */
import type { ChatData, Row } from './types';

export function mint(s: ChatData): [string, ChatData] {
  return [`~${s.seq}`, { ...s, seq: s.seq + 1 }];
}

export function findIndex(rows: Row[], pred: (r: Row) => boolean): number {
  // Updates concern recent rows: search from the end.
  for (let i = rows.length - 1; i >= 0; i--) if (pred(rows[i]!)) return i;
  return -1;
}

export function replaceAt(rows: Row[], i: number, row: Row): Row[] {
  const next = rows.slice();
  next[i] = row;
  return next;
}

/** The live (not restored) card of a command call, or -1. */
export function liveCardIndex(s: ChatData, callId: string): number {
  return findIndex(s.rows, (r) => r.kind === 'command' && !r.restored && r.callId === callId);
}
