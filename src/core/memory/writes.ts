import { writeTransaction } from './connection';
import { checkEntities, checkScore, checkText } from './checks';
import { newUlid, nowDbTimestamp } from './format';
import { rowToMemory, type MemoryRow, type StoreParts } from './memory-rows';
import type { CreateAiOptions, Memory } from './types';

/**
 * The memory store's writes. Each is one BEGIN IMMEDIATE transaction that
 * also brings the full-text index along, clears `relationship_cache` (as
 * aigpt does on every change to `memories`) and tells the index's upkeep.
 * The store runs them inside its guard (store.ts).
 */

export interface NewMemory {
  text: string;
  interp: string | null;
  score: number | null;
  entities: string | null;
}

/** A new memory's values, checked before the store is touched. */
export function checkNewMemory(content: string, options: CreateAiOptions): NewMemory {
  const text = checkText('content', content);
  const interp =
    options.aiInterpretation === undefined || options.aiInterpretation === null
      ? null
      : checkText('ai_interpretation', options.aiInterpretation);
  const score = checkScore(options.priorityScore);
  const entities = checkEntities(options.relatedEntities);
  return { text, interp, score, entities };
}

export function insertMemory(s: StoreParts, { text, interp, score, entities }: NewMemory): Memory {
  return writeTransaction(s.db, () => {
    const id = newUlid();
    const now = nowDbTimestamp();
    const info = s.stmts.insert.run(id, text, interp, score, entities, now, now);
    const rowid = Number(info.lastInsertRowid);
    s.index?.put(rowid, id, text, interp);
    s.stmts.clearRelationships.run();
    s.upkeep?.noteWrite();
    return rowToMemory(s.stmts.byRowid.get(rowid) as MemoryRow);
  });
}

/** Replaces the content (as aigpt's update_memory does); undefined when no such id. */
export function replaceContent(s: StoreParts, id: string, text: string): Memory | undefined {
  return writeTransaction(s.db, () => {
    const row = s.stmts.byId.get(id) as MemoryRow | undefined;
    if (!row) return undefined;
    s.stmts.update.run(text, nowDbTimestamp(), row.rowid);
    const after = s.stmts.byRowid.get(row.rowid) as MemoryRow;
    s.index?.put(after.rowid, after.id, after.content, after.ai_interpretation);
    s.stmts.clearRelationships.run();
    s.upkeep?.noteWrite();
    return rowToMemory(after);
  });
}

/** False when no such id. */
export function deleteMemory(s: StoreParts, id: string): boolean {
  return writeTransaction(s.db, () => {
    const row = s.stmts.byId.get(id) as MemoryRow | undefined;
    if (!row) return false;
    s.stmts.remove.run(row.rowid);
    s.index?.remove(row.rowid);
    s.stmts.clearRelationships.run();
    s.upkeep?.noteWrite();
    return true;
  });
}
