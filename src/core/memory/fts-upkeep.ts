import type Database from 'better-sqlite3';
import { writeTransaction } from './connection';
import { isTransientStorageError } from './deferred-writer';

/**
 * Keeps the full-text index in few segments, in small steps while the core
 * is idle.
 *
 * Every transaction that writes the index (one per aios write, one per sync
 * that found another program's rows) adds a segment; FTS5's own automerge
 * merges a level only once it holds four, so a file written one memory at a
 * time keeps tens of segments, and every phrase of every search opens each
 * of them. Here FTS5's incremental 'merge' is run with a small page budget
 * and `usermerge` 2 (kept in the index's own config table, so no aigpt table
 * changes), until every level holds at most one segment: after writes, once
 * the store has been idle a moment, each step its own short write
 * transaction, never waiting for the lock (another writer holding it makes
 * the step yield and try again later), stopped on close. A positive merge
 * only merges segments of one level, so each row is rewritten about log2 of
 * the index's growth times, never the whole index per step.
 */

export interface IndexUpkeepOptions {
  /** Leaf pages (about 4 KB each) one step may write: bounds how long it holds the write lock. */
  pagesPerStep?: number;
  /** Quiet time after the last write before the first step. */
  idleMs?: number;
  /** Time between steps while there is work, so other writers and the event loop get their turn. */
  gapMs?: number;
  /** Called before each step reads the index on its own (the store checks its file is still whole for mapped reads). */
  beforeStep?: () => void;
}

export type StepResult = 'merged' | 'done' | 'busy';

/** One step's budget: a few hundred KB written, a few ms of lock (see docs/performance.md). */
export const UPKEEP_PAGES_PER_STEP = 64;
const UPKEEP_IDLE_MS = 2000;
const UPKEEP_GAP_MS = 25;
/** Merge a level once it holds this many segments (FTS5's minimum). */
const USERMERGE = 2;

/** Segments of the index, from its own table of leaf-page keys (one or more rows per segment). */
export function segmentCount(db: Database.Database): number {
  return db.prepare('SELECT count(DISTINCT segid) FROM aios_memory_fts_idx').pluck().get() as number;
}

export class IndexUpkeep {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly pages: number;
  private readonly idleMs: number;
  private readonly gapMs: number;
  private readonly beforeStep: (() => void) | undefined;
  private readonly stmts;
  /** Why upkeep stopped for good (a failure that is not a passing lock or full disk); searches go on without it. */
  lastError: Error | undefined;

  constructor(
    private readonly db: Database.Database,
    options: IndexUpkeepOptions = {},
  ) {
    this.pages = options.pagesPerStep ?? UPKEEP_PAGES_PER_STEP;
    this.idleMs = options.idleMs ?? UPKEEP_IDLE_MS;
    this.gapMs = options.gapMs ?? UPKEEP_GAP_MS;
    this.beforeStep = options.beforeStep;
    this.stmts = {
      usermerge: db.prepare("SELECT v FROM aios_memory_fts_config WHERE k = 'usermerge'").pluck(),
      // FTS5 takes config values only as SQL integers, and a JavaScript number binds as a real: written in the SQL.
      setUsermerge: db.prepare(`INSERT INTO aios_memory_fts (aios_memory_fts, rank) VALUES ('usermerge', ${USERMERGE})`),
      merge: db.prepare("INSERT INTO aios_memory_fts (aios_memory_fts, rank) VALUES ('merge', ?)"),
      changes: db.prepare('SELECT total_changes()').pluck(),
    };
  }

  /** After the index was written: (re)starts the quiet time before the next step. */
  noteWrite(): void {
    this.schedule(this.idleMs);
  }

  /**
   * One merge step now, in its own write transaction, without waiting for
   * the lock: 'busy' when another connection holds it (or this one is inside
   * a transaction), 'done' when no level holds two segments.
   */
  step(): StepResult {
    if (this.db.inTransaction) return 'busy';
    const wait = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      return writeTransaction(this.db, () => {
        if (Number(this.stmts.usermerge.get() ?? 0) !== USERMERGE) this.stmts.setUsermerge.run();
        const before = this.stmts.changes.get() as number;
        this.stmts.merge.run(this.pages);
        // FTS5's documented signal: fewer than two changes means there was nothing left to merge.
        return (this.stmts.changes.get() as number) - before >= 2 ? 'merged' : 'done';
      });
    } catch (err) {
      // Another connection's lock (at BEGIN, or a snapshot it moved on): the step gives way and is tried later.
      if (/^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code))) return 'busy';
      throw err;
    } finally {
      if (this.db.open) this.db.pragma(`busy_timeout = ${wait}`);
    }
  }

  /** Stops every later step (the store is closing). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.closed || this.lastError) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), ms);
    // Upkeep never keeps a process alive: a CLI call exits and leaves it to the next long-running core.
    this.timer.unref();
  }

  private run(): void {
    this.timer = undefined;
    if (this.closed || !this.db.open) return;
    let result: StepResult;
    try {
      this.beforeStep?.();
      result = this.step();
    } catch (err) {
      // A full disk or a read-only file may pass: tried again after the next write, not polled.
      // Anything else stops upkeep for good (searches do not need it).
      if (!isTransientStorageError(err)) this.lastError = err as Error;
      return;
    }
    if (result === 'merged') this.schedule(this.gapMs);
    else if (result === 'busy') this.schedule(this.idleMs);
  }
}
