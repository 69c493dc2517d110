import { ApplyFailed } from './apply';
import type { UndoStore } from './store';
import type { Effect, UndoRecord } from './types';
import { newestFor, undoRecord, UndoRefused } from './undo';

/**
 * `/undo`, `/redo`, `aios undo` and a card's Undo action, in words: the
 * newest record (or a named one) undone, what was restored, or why not and
 * what to do instead.
 */

export interface UndoOutcome {
  ok: boolean;
  message: string;
  /** The record the undo made (itself undoable: a redo). */
  record: UndoRecord | null;
  /** Refused because later records touched the same paths: undo these, newest first (this one last). */
  undoFirst: Array<{ recordId: string; command: string }>;
}

const counts = (effects: readonly Effect[]) => {
  const c = { added: 0, changed: 0, deleted: 0, meta: 0 };
  for (const e of effects) c[e.change]++;
  return (['deleted', 'added', 'changed', 'meta'] as const)
    .filter((k) => c[k] > 0)
    .map((k) => `${c[k]} ${k === 'meta' ? 'modes/owners' : k}`)
    .join(', ');
};

export function runUndo(store: UndoStore, req: { recordId?: string; redo?: boolean }): UndoOutcome {
  const action = req.redo ? 'redo' : 'undo';
  const target = req.recordId ? store.get(req.recordId) : newestFor(store, action);
  if (!target) {
    return {
      ok: false,
      message: req.recordId
        ? `no undo record ${req.recordId} (records are kept within [transactions] max_undo_mb and max_undo_days)`
        : `nothing to ${action}`,
      record: null,
      undoFirst: [],
    };
  }
  try {
    const { record } = undoRecord(store, target.id);
    const what = record.kind === 'redo' ? `redone: ${record.command}` : `undone: ${target.command}`;
    const pkgs = record.packages
      ? `; packages ${[...record.packages.added.map((p) => `+${p}`), ...record.packages.removed.map((p) => `-${p}`)].join(', ')}`
      : '';
    // What ran after that commit (a service started) is outside what the record holds: put back files only.
    const outside = target.notUndone?.length
      ? `; not undone, done after that commit outside the transaction: ${target.notUndone.join('; ')}; then run sudo systemctl daemon-reload`
      : '';
    return {
      ok: true,
      message: `${what} (${counts(record.effects) || 'no files'}${pkgs}); /${record.kind === 'redo' ? 'undo' : 'redo'} reverses this${outside}`,
      record,
      undoFirst: [],
    };
  } catch (err) {
    if (err instanceof UndoRefused || err instanceof ApplyFailed) {
      const first = err instanceof UndoRefused ? err.undoFirst.map((r) => ({ recordId: r.id, command: r.command })) : [];
      return { ok: false, message: err.message, record: null, undoFirst: first };
    }
    throw err;
  }
}

/** The records, newest first, for `aios undo --list`. */
export function listRecords(
  store: UndoStore,
): Array<{ id: string; kind: UndoRecord['kind']; command: string; createdAt: string; undone: boolean; summary: string; bytes: number }> {
  return store
    .list()
    .reverse()
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      command: r.command,
      createdAt: r.createdAt,
      undone: Boolean(r.undoneBy),
      summary: counts(r.effects) || 'no files',
      bytes: r.bytes,
    }));
}
