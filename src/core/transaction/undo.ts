import fs from 'node:fs';
import { applySteps, beforeAsTarget } from './apply';
import { fingerprint, overlaps } from './fingerprint';
import { UndoStore } from './store';
import type { Effect, UndoRecord } from './types';

/**
 * Undo: every path a record changed goes back to how it was kept, newest
 * step first, as one step (see apply.ts). It is refused when something
 * touched those paths since: a later record that is still in force (named,
 * with the order to undo both, newest first), or anything else (the paths
 * named). An undo is itself a record, so undoing it is a redo.
 */

export class UndoRefused extends Error {
  constructor(
    message: string,
    /** Records to undo first, newest first, when later ones touched the same paths. */
    readonly undoFirst: UndoRecord[] = [],
    readonly paths: string[] = [],
  ) {
    super(message);
  }
}

/** Records still in force, oldest first. */
const inForce = (store: UndoStore) => store.list().filter((r) => !r.undoneBy);

/** The newest record `/undo` takes (a command's, or a redo), or `/redo` takes (an undo). */
export function newestFor(store: UndoStore, action: 'undo' | 'redo'): UndoRecord | null {
  const rs = inForce(store).filter((r) => (action === 'redo' ? r.kind === 'undo' : r.kind !== 'undo'));
  return rs[rs.length - 1] ?? null;
}

export function undoRecord(store: UndoStore, id: string): { record: UndoRecord; undone: UndoRecord } {
  const rec = store.get(id);
  if (!rec)
    throw new UndoRefused(
      `no undo record ${id} (it may have been dropped: records are kept within [transactions] max_undo_mb and max_undo_days)`,
    );
  if (rec.undoneBy) throw new UndoRefused(`"${rec.command}" was already undone (record ${rec.undoneBy})`);
  // A later undo of a record that is itself later than this one cancels it out; a later redo puts it back in force.
  const later = inForce(store).filter(
    (r) =>
      r.id > rec.id &&
      !(r.kind === 'undo' && (r.undoes ?? '') > rec.id) &&
      r.entries.some((e) => rec.entries.some((o) => overlaps(e.path, o.path))),
  );
  if (later.length > 0) {
    const chain = [...later].reverse();
    throw new UndoRefused(
      `cannot undo "${rec.command}": ${chain.map((r) => `"${r.command}"`).join(', ')} changed the same files later (${sharedPaths(rec, later).slice(0, 3).join(', ')}); undo ${chain.length > 1 ? 'those' : 'that'} first, then this (newest first)`,
      [...chain, rec],
    );
  }
  const moved = rec.entries.filter((e) => fingerprint(e.path, e.before.kind === 'meta') !== e.after).map((e) => e.path);
  if (moved.length > 0) {
    throw new UndoRefused(
      `cannot undo "${rec.command}": changed since by something outside aios's transactions: ${moved.slice(0, 5).join(', ')}${moved.length > 5 ? ` and ${moved.length - 5} more` : ''}`,
      [],
      moved,
    );
  }
  const dir = store.dir(rec.id);
  const steps = [...rec.entries].reverse().map((e) => ({ path: e.path, to: beforeAsTarget(e.before, dir) }));
  const made = store.create();
  let entries;
  try {
    entries = applySteps(steps, made.dir);
  } catch (err) {
    fs.rmSync(made.dir, { recursive: true, force: true });
    throw err;
  }
  const record: UndoRecord = {
    id: made.id,
    kind: rec.kind === 'undo' ? 'redo' : 'undo',
    command: rec.kind === 'undo' ? rec.command.replace(/^undo: /, '') : `undo: ${rec.command}`,
    cwd: rec.cwd,
    createdAt: new Date().toISOString(),
    undoes: rec.id,
    entries,
    effects: rec.effects.map(invert),
    effectsOmitted: rec.effectsOmitted,
    bytes: 0,
    ...(rec.packages ? { packages: { added: rec.packages.removed, removed: rec.packages.added } } : {}),
  };
  record.bytes = UndoStore.diskBytes(made.dir);
  store.save(record);
  const undone = { ...rec, undoneBy: record.id };
  store.save(undone);
  // The paths are back as earlier records left them, but moving them back gave them new change times: those records'
  // fingerprints are taken again, so they stay undoable.
  for (const earlier of inForce(store)) {
    if (earlier.id >= rec.id) continue;
    const touched = earlier.entries.filter((e) => rec.entries.some((o) => overlaps(e.path, o.path)));
    for (const e of touched) e.after = fingerprint(e.path, e.before.kind === 'meta');
    if (touched.length > 0) store.save(earlier);
  }
  return { record, undone };
}

function invert(e: Effect): Effect {
  const change = e.change === 'added' ? 'deleted' : e.change === 'deleted' ? 'added' : e.change;
  return {
    path: e.path,
    change,
    type: e.type,
    ...(e.oldMode !== undefined ? { mode: e.oldMode, uid: e.oldUid, gid: e.oldGid } : {}),
    ...(e.mode !== undefined ? { oldMode: e.mode, oldUid: e.uid, oldGid: e.gid } : {}),
  } as Effect;
}

function sharedPaths(rec: UndoRecord, later: readonly UndoRecord[]): string[] {
  const out = new Set<string>();
  for (const r of later) for (const e of r.entries) if (rec.entries.some((o) => overlaps(e.path, o.path))) out.add(e.path);
  return [...out];
}
