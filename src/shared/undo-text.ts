import type { CallRequest, UndoResult } from './contract';

/**
 * `/undo [ID]` and `/redo [ID]` in every chat: the request from what was
 * typed, and the answer in words, with the way forward when it was refused
 * because later commands changed the same files (undo those first, newest first).
 */
export function undoRequest(arg: string, redo: boolean): CallRequest<'undo.run'> {
  const id = arg.trim().toUpperCase();
  return { ...(id ? { recordId: id } : {}), ...(redo ? { redo: true } : {}) };
}

export function undoResultText(r: UndoResult): string {
  if (r.ok || r.undoFirst.length === 0) return r.message;
  const steps = r.undoFirst.map((u, i) => `  ${i + 1}. /undo ${u.recordId}   ${u.command}`);
  return [r.message, 'To undo them all, newest first:', ...steps].join('\n');
}
