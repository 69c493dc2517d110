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

/**
 * The busy wait of the core's own connection, whose thread also serves every
 * window and terminal: a write that cannot get the lock this fast waits in
 * a DeferredWriter and is retried, rather than holding the event loop.
 */
export const CORE_BUSY_WAIT_MS = 100;

export interface OpenOptions {
  /** Open without writing anything: no schema creation, no WAL switch. */
  readonly?: boolean;
  /** At least 5000 in production; tests of the locked path may pass less. */
  busyTimeoutMs?: number;
  /** Skip `PRAGMA quick_check` at open (doctor runs and reports its own). */
  skipCheck?: boolean;
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
    // A damaged file is refused before anything reads or writes it: pages overwritten on disk pass the line above.
    if (!options.skipCheck) {
      const problems = db.pragma('quick_check(5)', { simple: false }) as Array<{ quick_check: string }>;
      const found = problems.map((r) => r.quick_check).filter((t) => t !== 'ok');
      if (found.length > 0) throw new MemoryStoreError('corrupt', file, `quick_check: ${found.join('; ')}`, 'SQLITE_CORRUPT');
    }
    const journalMode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
    if (journalMode === 'wal') walSettings(db);
    return { db, journalMode };
  } catch (err) {
    db.close();
    throw toMemoryError(err, file);
  }
}

/**
 * A read-only copy of the file in memory, for a file SQLite cannot open even
 * read-only (a WAL file in a folder where its -shm cannot be made). What is
 * still in the -wal, if any, is not seen. The file itself is only read.
 */
export function openSnapshot(file: string): OpenedDatabase {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw toMemoryError(err, file);
  }
  // Bytes 18-19 say "WAL"; a copy in memory cannot be WAL, so it is read as a rollback-journal file.
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  let db: Database.Database;
  try {
    db = new Database(bytes, { readonly: true });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (err) {
    throw toMemoryError(err, file);
  }
  return { db, journalMode: 'snapshot' };
}

/**
 * Switches the file to WAL (it persists in the file, for every program that
 * opens it) so readers never wait for writers. Called only once the file is
 * known to be an aigpt database: an unusable file is left byte for byte.
 */
export function enableWal(db: Database.Database): string {
  let mode = String(db.pragma('journal_mode', { simple: true })).toLowerCase();
  if (mode !== 'wal') mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
  if (mode === 'wal') walSettings(db);
  return mode;
}

/**
 * The most a -wal file keeps on disk once a checkpoint emptied it. Without a
 * limit it stays as large as it ever grew: the index upkeep's first pass over
 * a large file writes hundreds of MB while a reader holds a snapshot, and the
 * -wal then sat beside the file at about the file's own size.
 */
export const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

function walSettings(db: Database.Database): void {
  // In WAL a commit survives a crashed process at NORMAL; FULL only adds power-loss durability per commit.
  db.pragma('synchronous = NORMAL');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
}

/** Connections aios opened read-only on purpose, and why: every write through them is refused with that reason. */
const readOnlyReasons = new WeakMap<Database.Database, MemoryStoreError>();

export function markReadOnly(db: Database.Database, reason: MemoryStoreError): void {
  readOnlyReasons.set(db, reason);
}

export function readOnlyReason(db: Database.Database): MemoryStoreError | undefined {
  return readOnlyReasons.get(db);
}

/** Runs `fn` in BEGIN IMMEDIATE, so the write lock is taken (or waited for) before any read. */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  const refused = readOnlyReasons.get(db);
  if (refused) throw refused;
  return db.transaction(fn).immediate();
}
