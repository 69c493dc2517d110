import type Database from 'better-sqlite3';
import { writeTransaction } from './connection';
import { FTS_MARK_KEY } from './schema';
import { indexText } from './text';

/**
 * The aios full-text index over `memories`, kept in step without triggers.
 *
 * aios's own writes update the index in the same transaction as the row.
 * Writes by anyone else (aigpt, the sqlite3 CLI, another aios process) are
 * found by `sync()`, which every search calls first, at a cost that follows
 * the change, not the table:
 *  - `PRAGMA data_version` tells whether any other connection committed since
 *    the last sync; if none did, the index is known to be current (free).
 *  - new rows: rowids above the highest indexed one (`aios_memory_docs`, a
 *    copy of what was indexed, keyed by rowid);
 *  - changed rows: `updated_at` at or after a high-water mark kept in
 *    `aios_meta` (through aigpt's own index on it);
 *  - deleted and renumbered rows: the newest indexed row is looked up by its
 *    id; gone means deleted (dropped, and the next one checked), found under
 *    another rowid means VACUUM renumbered the table: then, and when the mark
 *    is missing (a first build, a file from elsewhere), one full comparison;
 *  - a window of `verifyWindow` rows, moving on at every sync, is compared
 *    whole, so changes no mark shows (an edit that kept `updated_at`, a delete
 *    in the middle, a writer whose clock is behind) are found within a bounded number of
 *    syncs; a table no larger than the window is compared whole every time.
 * Files without aigpt's `updated_at` index (its first schema) are compared
 * whole, as before.
 */

export interface SyncResult {
  /** True when nothing could have changed and no comparison ran. */
  skipped: boolean;
  added: number;
  updated: number;
  removed: number;
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
/** Rows compared whole at each sync (the moving window): about 0.3 ms a search at 1,000,000 rows, where 2,000 cost 2-3 ms. */
export const VERIFY_WINDOW = 250;
/** Deleted newest rows dropped one by one before a full comparison is cheaper. */
const MAX_PROBES = 64;

const MISMATCH = 'd.mem_rowid IS NULL OR d.id IS NOT m.id OR d.content IS NOT m.content OR d.interp IS NOT m.ai_interpretation';

export interface MemoryIndexOptions {
  /** Rows compared whole at each sync (tests make it small to exercise the marks). */
  verifyWindow?: number;
}

export class MemoryIndex {
  private lastDataVersion: number | undefined;
  private readonly stmts;
  private readonly window: number;
  /** Where the moving window starts next (a rowid). */
  private cursor = 0;
  /** Window steps still to take before the table has been compared whole since the last foreign commit. */
  private windowsLeft = 0;
  private forceFull = false;
  /** Without aigpt's index on updated_at, a mark would scan the table: compare whole instead. */
  private readonly marks: boolean;

  constructor(
    private readonly db: Database.Database,
    options: MemoryIndexOptions = {},
  ) {
    this.window = options.verifyWindow ?? VERIFY_WINDOW;
    const indexes = db.prepare("SELECT name FROM pragma_index_list('memories')").pluck().all() as string[];
    this.marks = indexes.some(
      (name) => (db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all(name) as string[])[0] === 'updated_at',
    );
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
         WHERE m.rowid > ? AND (${MISMATCH})
         ORDER BY m.rowid LIMIT ?`,
      ),
      diffRange: db.prepare(
        `SELECT m.rowid AS rowid, m.id AS id, m.content AS content, m.ai_interpretation AS interp, d.mem_rowid AS had
         FROM memories m LEFT JOIN aios_memory_docs d ON d.mem_rowid = m.rowid
         WHERE m.rowid > ? AND m.rowid <= ? AND (${MISMATCH})`,
      ),
      diffSince: this.markStatement(
        `SELECT m.rowid AS rowid, m.id AS id, m.content AS content, m.ai_interpretation AS interp, d.mem_rowid AS had
         FROM memories m INDEXED BY_UPDATED LEFT JOIN aios_memory_docs d ON d.mem_rowid = m.rowid
         WHERE m.updated_at >= ? AND (${MISMATCH})`,
        indexes,
      ),
      maxUpdated: db.prepare('SELECT max(updated_at) FROM memories').pluck(),
      maxRowid: db.prepare('SELECT max(rowid) FROM memories').pluck(),
      newestDoc: db.prepare('SELECT mem_rowid AS rowid, id FROM aios_memory_docs WHERE mem_rowid < ? ORDER BY mem_rowid DESC LIMIT 1'),
      rowidOf: db.prepare('SELECT rowid FROM memories WHERE id = ?').pluck(),
      getMark: db.prepare('SELECT value FROM aios_meta WHERE key = ?').pluck(),
      setMark: db.prepare('INSERT OR REPLACE INTO aios_meta (key, value) VALUES (?, ?)'),
      counts: db.prepare('SELECT (SELECT count(*) FROM memories) AS memories, (SELECT count(*) FROM aios_memory_docs) AS docs'),
      orphans: db
        .prepare('SELECT d.mem_rowid FROM aios_memory_docs d WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.rowid = d.mem_rowid)')
        .pluck(),
      orphansRange: db
        .prepare(
          'SELECT d.mem_rowid FROM aios_memory_docs d WHERE d.mem_rowid > ? AND d.mem_rowid <= ? AND NOT EXISTS (SELECT 1 FROM memories m WHERE m.rowid = d.mem_rowid)',
        )
        .pluck(),
      indexed: db.prepare('SELECT count(*) FROM aios_memory_docs').pluck(),
    };
  }

  /** The query over rows changed since a mark, through aigpt's index on updated_at (or none without it). */
  private markStatement(sql: string, indexes: string[]): Database.Statement | undefined {
    if (!this.marks) return undefined;
    const name = indexes.find(
      (n) => (this.db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all(n) as string[])[0] === 'updated_at',
    )!;
    return this.db.prepare(sql.replace('INDEXED BY_UPDATED', `INDEXED BY "${name.replace(/"/g, '""')}"`));
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
    this.windowsLeft = 0;
    this.forceFull = true;
  }

  sync(): SyncResult {
    if (this.isCurrent()) {
      if (this.windowsLeft === 0) return { skipped: true, added: 0, updated: 0, removed: 0 };
      // After a foreign commit the window goes once round the table, one step per search.
      this.windowsLeft--;
      const mark = this.stmts.getMark.get(FTS_MARK_KEY) as string | undefined;
      return mark === undefined ? this.fullSync() : this.incrementalSync(mark);
    }
    // Read before comparing: a commit that lands while we work changes it again,
    // so the next sync looks once more.
    const version = this.stmts.dataVersion.get() as number;
    const mark = this.marks ? (this.stmts.getMark.get(FTS_MARK_KEY) as string | undefined) : undefined;
    let result: SyncResult;
    if (mark === undefined || this.forceFull) {
      result = this.fullSync();
      this.forceFull = false;
      this.windowsLeft = 0;
    } else {
      result = this.incrementalSync(mark);
      const maxRowid = (this.stmts.maxRowid.get() as number | null) ?? 0;
      this.windowsLeft = Math.max(0, Math.ceil(maxRowid / this.window) - 1);
    }
    this.lastDataVersion = version;
    return result;
  }

  /** Changes found through the marks and the moving window; a full comparison when the table was renumbered. */
  private incrementalSync(mark: string): SyncResult {
    const result: SyncResult = { skipped: false, added: 0, updated: 0, removed: 0 };
    // Look without the write lock first (WAL readers block nobody): most commits by
    // others (history, another aios) leave memories as they were.
    const plan = this.plan(mark);
    if (plan === 'renumbered') return this.fullSync();
    if (plan.gone.length === 0 && plan.changed === 0 && plan.orphans.length === 0 && plan.mark === undefined) {
      this.cursor = plan.nextCursor;
      return result;
    }
    const again = writeTransaction(this.db, () => {
      // Planned again under the lock: what was read before may have moved on.
      const p = this.plan(mark);
      if (p === 'renumbered') return p;
      for (const rowid of [...p.gone, ...p.orphans]) {
        this.remove(rowid);
        result.removed++;
      }
      for (const r of p.rows()) {
        this.put(r.rowid, r.id, r.content, r.interp);
        if (r.had === null) result.added++;
        else result.updated++;
      }
      if (p.mark !== undefined) this.stmts.setMark.run(FTS_MARK_KEY, p.mark);
      this.cursor = p.nextCursor;
      return 'done';
    });
    return again === 'renumbered' ? this.fullSync() : result;
  }

  /**
   * What changed since the mark: deleted newest rows, rows to (re)index, rows
   * of the window whose entry is an orphan, and the new mark.
   */
  private plan(
    mark: string,
  ):
    | 'renumbered'
    | { gone: number[]; orphans: number[]; changed: number; rows: () => DiffRow[]; mark: string | undefined; nextCursor: number } {
    // The newest indexed row, looked up by id: where VACUUM's renumbering and deletes show.
    const gone: number[] = [];
    let below = Number.MAX_SAFE_INTEGER;
    for (let probes = 0; ; probes++) {
      const doc = this.stmts.newestDoc.get(below) as { rowid: number; id: unknown } | undefined;
      if (!doc) break;
      const at = this.stmts.rowidOf.get(doc.id) as number | undefined;
      if (at === doc.rowid) break;
      if (at !== undefined || probes >= MAX_PROBES) return 'renumbered';
      gone.push(doc.rowid);
      below = doc.rowid;
    }
    const newest = gone.length > 0 ? below : Number.MAX_SAFE_INTEGER;
    const highest = (this.stmts.newestDoc.get(newest) as { rowid: number } | undefined)?.rowid ?? 0;
    const maxRowid = (this.stmts.maxRowid.get() as number | null) ?? 0;
    // The moving window: [from, to] in rowids, wrapping at the end.
    const from = this.cursor >= maxRowid ? 0 : this.cursor;
    const to = from + this.window;
    const nextCursor = to >= maxRowid ? 0 : to;
    const rowsOf = (): DiffRow[] => {
      const byRowid = new Map<number, DiffRow>();
      for (const r of this.stmts.diffRange.all(highest, Number.MAX_SAFE_INTEGER) as DiffRow[]) byRowid.set(r.rowid, r);
      for (const r of this.stmts.diffSince!.all(mark) as DiffRow[]) byRowid.set(r.rowid, r);
      for (const r of this.stmts.diffRange.all(from, to) as DiffRow[]) byRowid.set(r.rowid, r);
      return [...byRowid.values()];
    };
    const rows = rowsOf();
    const orphans = (this.stmts.orphansRange.all(from, to) as number[]).filter((r) => !gone.includes(r));
    const newMark = (this.stmts.maxUpdated.get() as string | null) ?? mark;
    return {
      gone,
      orphans,
      changed: rows.length,
      rows: () => (rows.length > 0 ? rowsOf() : rows),
      mark: newMark > mark ? newMark : undefined,
      nextCursor,
    };
  }

  /** Compares every row with its entry: a first build, a file from elsewhere, a renumbered table. */
  private fullSync(): SyncResult {
    const result: SyncResult = { skipped: false, added: 0, updated: 0, removed: 0 };
    // The mark is read before comparing: rows changed while we work are newer than it.
    const mark = this.marks ? ((this.stmts.maxUpdated.get() as string | null) ?? '') : undefined;
    // Compare first without the write lock; most commits leave memories as they were.
    if (this.stmts.diff.all(0, 1).length === 0 && !this.hasOrphans()) {
      if (mark !== undefined && this.stmts.getMark.get(FTS_MARK_KEY) !== mark)
        writeTransaction(this.db, () => this.stmts.setMark.run(FTS_MARK_KEY, mark));
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
      if (this.hasOrphans()) {
        for (const rowid of this.stmts.orphans.all() as number[]) {
          this.remove(rowid);
          result.removed++;
        }
      }
      if (mark !== undefined) this.stmts.setMark.run(FTS_MARK_KEY, mark);
    });
    return result;
  }

  /** Index entries whose row is gone. Every row has an entry after a diff pass, so more entries than rows means some. */
  private hasOrphans(): boolean {
    const { memories, docs } = this.stmts.counts.get() as { memories: number; docs: number };
    return docs > memories;
  }

  indexedCount(): number {
    return this.stmts.indexed.get() as number;
  }
}
