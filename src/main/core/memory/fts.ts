import type Database from 'better-sqlite3';
import { writeTransaction } from './connection';
import { indexText } from './text';

/**
 * The aios full-text index over `memories`, kept in step without triggers.
 *
 * aios's own writes update the index in the same transaction as the row.
 * Writes by anyone else (aigpt, the sqlite3 CLI, another aios process) are
 * found by `sync()`, which every search calls first:
 *  - `PRAGMA data_version` tells whether any other connection committed since
 *    the last sync; if none did, the index is known to be current (free).
 *  - otherwise one pass compares `memories` with `aios_memory_docs` (a copy of
 *    what was indexed, keyed by rowid) and re-indexes exactly the rows that
 *    were added, changed in any way (with or without a new `updated_at`) or
 *    renumbered by VACUUM, then drops entries whose row is gone.
 */

export interface SyncResult {
  /** True when nothing could have changed and no comparison ran. */
  skipped: boolean;
  added: number;
  updated: number;
  removed: number;
}

export interface Candidate {
  rowid: number;
  /** bm25: lower is better. */
  score: number;
}

interface DiffRow {
  rowid: number;
  id: unknown;
  content: unknown;
  interp: unknown;
  had: number | null;
}

/** Rows re-indexed per write transaction, so a first build never holds the lock for long. */
const SYNC_BATCH = 5000;

export class MemoryIndex {
  private lastDataVersion: number | undefined;
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      hasDoc: db.prepare('SELECT 1 FROM aios_memory_docs WHERE mem_rowid = ?').pluck(),
      putDoc: db.prepare('INSERT OR REPLACE INTO aios_memory_docs (mem_rowid, id, content, interp) VALUES (?, ?, ?, ?)'),
      delDoc: db.prepare('DELETE FROM aios_memory_docs WHERE mem_rowid = ?'),
      putFts: db.prepare('INSERT INTO aios_memory_fts (rowid, content, interp) VALUES (?, ?, ?)'),
      delFts: db.prepare('DELETE FROM aios_memory_fts WHERE rowid = ?'),
      diff: db.prepare(
        `SELECT m.rowid AS rowid, m.id AS id, m.content AS content, m.ai_interpretation AS interp, d.mem_rowid AS had
         FROM memories m LEFT JOIN aios_memory_docs d ON d.mem_rowid = m.rowid
         WHERE m.rowid > ? AND (d.mem_rowid IS NULL OR d.id IS NOT m.id OR d.content IS NOT m.content
           OR d.interp IS NOT m.ai_interpretation)
         ORDER BY m.rowid LIMIT ?`,
      ),
      counts: db.prepare('SELECT (SELECT count(*) FROM memories) AS memories, (SELECT count(*) FROM aios_memory_docs) AS docs'),
      orphans: db
        .prepare('SELECT d.mem_rowid FROM aios_memory_docs d WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.rowid = d.mem_rowid)')
        .pluck(),
      candidates: db.prepare(
        `SELECT rowid, bm25(aios_memory_fts, 1.0, 0.5) AS score FROM aios_memory_fts
         WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
      ),
      indexed: db.prepare('SELECT count(*) FROM aios_memory_docs').pluck(),
    };
  }

  /** Indexes one row. Call inside the transaction that wrote the row. */
  put(rowid: number, id: unknown, content: unknown, interp: unknown): void {
    if (this.stmts.hasDoc.get(rowid) !== undefined) this.stmts.delFts.run(rowid);
    this.stmts.putDoc.run(rowid, id, content, interp);
    this.stmts.putFts.run(rowid, indexText(content), indexText(interp));
  }

  /** Drops one row from the index. Call inside the transaction that deleted the row. */
  remove(rowid: number): void {
    if (this.stmts.hasDoc.get(rowid) === undefined) return;
    this.stmts.delFts.run(rowid);
    this.stmts.delDoc.run(rowid);
  }

  /** True when no other connection has committed since the last sync. */
  isCurrent(): boolean {
    return this.lastDataVersion !== undefined && this.stmts.dataVersion.get() === this.lastDataVersion;
  }

  /** Forget what was synced, so the next sync compares everything. */
  invalidate(): void {
    this.lastDataVersion = undefined;
  }

  sync(): SyncResult {
    if (this.isCurrent()) return { skipped: true, added: 0, updated: 0, removed: 0 };
    // Read before comparing: a commit that lands while we work changes it again,
    // so the next sync looks once more.
    const version = this.stmts.dataVersion.get() as number;
    const result: SyncResult = { skipped: false, added: 0, updated: 0, removed: 0 };
    // Compare first without the write lock (WAL readers block nobody); most
    // commits by others (history, another aios) leave memories as they were.
    if (this.stmts.diff.all(0, 1).length === 0 && !this.hasOrphans()) {
      this.lastDataVersion = version;
      return result;
    }
    let after = 0;
    for (;;) {
      const rows = writeTransaction(this.db, () => {
        const batch = this.stmts.diff.all(after, SYNC_BATCH) as DiffRow[];
        for (const r of batch) {
          this.put(r.rowid, r.id, r.content, r.interp);
          if (r.had === null) result.added++;
          else result.updated++;
        }
        return batch;
      });
      if (rows.length < SYNC_BATCH) break;
      after = rows[rows.length - 1]!.rowid;
    }
    writeTransaction(this.db, () => {
      if (!this.hasOrphans()) return;
      for (const rowid of this.stmts.orphans.all() as number[]) {
        this.remove(rowid);
        result.removed++;
      }
    });
    this.lastDataVersion = version;
    return result;
  }

  /** Index entries whose row is gone. Every row has an entry after a diff pass, so more entries than rows means some. */
  private hasOrphans(): boolean {
    const { memories, docs } = this.stmts.counts.get() as { memories: number; docs: number };
    return docs > memories;
  }

  /**
   * Matches for an FTS5 expression with their bm25 scores. Scoring every
   * match of a very common word costs time in proportion to its matches, so
   * at most `cap` of the newest matches are scored; `capped` says so.
   */
  candidates(match: string, cap: number): { rows: Candidate[]; capped: boolean } {
    const rows = this.stmts.candidates.all(match, cap) as Candidate[];
    return { rows, capped: rows.length >= cap };
  }

  indexedCount(): number {
    return this.stmts.indexed.get() as number;
  }
}
