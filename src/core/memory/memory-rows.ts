import type Database from 'better-sqlite3';
import type { MemoryIndex } from './fts';
import type { IndexUpkeep } from './fts-upkeep';
import { parseRelatedEntities } from './format';
import type { Ranker } from './rank';
import { valueToText } from './text';
import type { Memory } from './types';

/**
 * The `memories` table's rows: the columns read, the statements the store
 * prepares once, and a row's mapping to a Memory (writes.ts and search.ts
 * use them; MemoryStore in store.ts owns the connection).
 */

export interface MemoryRow {
  rowid: number;
  id: unknown;
  content: unknown;
  ai_interpretation: unknown;
  priority_score: unknown;
  related_entities: unknown;
  created_at: unknown;
  updated_at: unknown;
}

export const COLUMNS = 'rowid, id, content, ai_interpretation, priority_score, related_entities, created_at, updated_at';

export function rowToMemory(r: MemoryRow): Memory {
  return {
    id: valueToText(r.id),
    content: valueToText(r.content),
    aiInterpretation: r.ai_interpretation === null ? null : valueToText(r.ai_interpretation),
    priorityScore: typeof r.priority_score === 'number' ? r.priority_score : null,
    relatedEntities: parseRelatedEntities(r.related_entities),
    createdAt: valueToText(r.created_at),
    updatedAt: valueToText(r.updated_at),
  };
}

export function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare(
      `INSERT INTO memories (id, content, ai_interpretation, priority_score, related_entities, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    byId: db.prepare(`SELECT ${COLUMNS} FROM memories WHERE id = ?`),
    byRowid: db.prepare(`SELECT ${COLUMNS} FROM memories WHERE rowid = ?`),
    // One statement for a page of hits, not one per hit.
    byRowids: db.prepare(`SELECT ${COLUMNS} FROM memories WHERE rowid IN (SELECT value FROM json_each(?))`),
    update: db.prepare('UPDATE memories SET content = ?, updated_at = ? WHERE rowid = ?'),
    remove: db.prepare('DELETE FROM memories WHERE rowid = ?'),
    clearRelationships: db.prepare('DELETE FROM relationship_cache'),
    list: db.prepare(`SELECT ${COLUMNS} FROM memories ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`),
    count: db.prepare('SELECT count(*) FROM memories').pluck(),
  };
}

export type MemoryStatements = ReturnType<typeof prepareStatements>;

/** What the store's reads and writes work on: its open connection, statements and (when it keeps them) index parts. */
export interface StoreParts {
  db: Database.Database;
  stmts: MemoryStatements;
  index: MemoryIndex | undefined;
  ranker: Ranker | undefined;
  upkeep: IndexUpkeep | undefined;
}
