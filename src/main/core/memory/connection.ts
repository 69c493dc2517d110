import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoryStoreError, toMemoryError } from './errors';

/**
 * Several processes (aios hosts, `aios memory-server`, aigpt, the sqlite3
 * CLI, other containers) write one file at once. Writers queue on SQLite's
 * lock; this is how long one waits before the write is reported as locked.
 */
export const BUSY_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  /** Open without writing anything: no schema creation, no WAL switch. */
  readonly?: boolean;
  /** At least 5000 in production; tests of the locked path may pass less. */
  busyTimeoutMs?: number;
}

export interface OpenedDatabase {
  db: Database.Database;
  journalMode: string;
}

/**
 * Opens the file and proves it is a readable SQLite database before anyone
 * relies on it: better-sqlite3 opens any file, and a garbage file only fails
 * on the first query. Never deletes or rewrites an existing file.
 */
export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase {
  const busy = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (options.readonly) {
    if (!fs.existsSync(file)) throw new MemoryStoreError('unreadable', file, 'no such file', 'ENOENT');
  } else {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (err) {
      throw toMemoryError(err, file);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: busy });
  } catch (err) {
    throw toMemoryError(err, file);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busy))}`);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (journalMode === 'wal') db.pragma('synchronous = NORMAL');
    return { db, journalMode };
  } catch (err) {
    db.close();
    throw toMemoryError(err, file);
  }
}

/**
 * Switches the file to WAL (it persists in the file, for every program that
 * opens it) so readers never wait for writers. Called only once the file is
 * known to be an aigpt database: an unusable file is left byte for byte.
 */
export function enableWal(db: Database.Database): string {
  let mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  if (mode !== 'wal') mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
  // In WAL a commit survives a crashed process at NORMAL; FULL only adds power-loss durability per commit.
  if (mode === 'wal') db.pragma('synchronous = NORMAL');
  return mode;
}

/** Runs `fn` in BEGIN IMMEDIATE, so the write lock is taken (or waited for) before any read. */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  return db.transaction(fn).immediate();
}
