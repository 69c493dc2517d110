import type { CallRequest, EventPayload, UndoResult } from './contract';

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

/** A finished command's line about its transaction, on every card: what it changed, why nothing landed, or why it cannot be undone. */
export function effectsLine(p: Pick<EventPayload<'chat.commandDone'>, 'undo' | 'notApplied' | 'cannotUndo'>): string | null {
  if (p.notApplied) return p.notApplied;
  if (p.cannotUndo?.length) return `cannot be undone: ${p.cannotUndo.join('; ')}`;
  if (p.undo) return p.undo.recordId ? `changed: ${p.undo.summary} (/undo puts it back)` : 'changed no files';
  return null;
}
