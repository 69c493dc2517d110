import type Database from 'better-sqlite3';
import { MemoryStoreError } from './errors';

/**
 * The one owner of the memory file's schema: aigpt's tables, written exactly
 * as aigpt (November 2025) creates them, and every table aios keeps beside
 * them (the search index, the command history, the conversations). aios
 * only ever adds: missing aigpt columns (as aigpt's own migration does) and
 * tables whose names start with `aios_`. No trigger is ever put on an aigpt
 * table, so an aigpt or sqlite3 write never depends on anything aios added.
 */

export const AIGPT_DDL = [
  `CREATE TABLE IF NOT EXISTS memories (id TEXT PRIMARY KEY, content TEXT NOT NULL, ai_interpretation TEXT,
  priority_score REAL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, related_entities TEXT)`,
  'CREATE INDEX IF NOT EXISTS idx_created_at ON memories(created_at)',
  'CREATE INDEX IF NOT EXISTS idx_updated_at ON memories(updated_at)',
  'CREATE INDEX IF NOT EXISTS idx_priority_score ON memories(priority_score)',
  `CREATE TABLE IF NOT EXISTS user_analyses (id TEXT PRIMARY KEY, openness REAL NOT NULL, conscientiousness REAL NOT NULL,
  extraversion REAL NOT NULL, agreeableness REAL NOT NULL, neuroticism REAL NOT NULL,
  summary TEXT NOT NULL, analyzed_at TEXT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS idx_analyzed_at ON user_analyses(analyzed_at)',
  'CREATE TABLE IF NOT EXISTS user_profiles (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, last_updated TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS relationship_cache (entity_id TEXT PRIMARY KEY, data TEXT NOT NULL, cached_at TEXT NOT NULL)',
] as const;

export const AIGPT_TABLES = ['memories', 'user_analyses', 'user_profiles', 'relationship_cache'] as const;
export const MEMORY_COLUMNS = [
  'id',
  'content',
  'ai_interpretation',
  'priority_score',
  'created_at',
  'updated_at',
  'related_entities',
] as const;
/** Columns older aigpt files lack, in the order aigpt added them. */
const ADDED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['ai_interpretation', 'TEXT'],
  ['priority_score', 'REAL'],
  ['related_entities', 'TEXT'],
];
const REQUIRED_COLUMNS = ['id', 'content', 'created_at', 'updated_at'];

/** 2: the full-text index stems English words (porter) and keeps prefixes of 3 and 4 characters. */
export const AIOS_SCHEMA_VERSION = 2;

/** How the full-text index splits and folds words: porter stemming over unicode61 ("backups" finds "backup"). */
export const FTS_TOKENIZE = 'porter unicode61 remove_diacritics 2';

/** The stemmer's own in-memory tables (not in the memory file): the index's tokenizer, asked which stems it keeps for query words. */
export const STEMMER_DDL = `CREATE VIRTUAL TABLE words USING fts5(w, tokenize='${FTS_TOKENIZE}');
  CREATE VIRTUAL TABLE words_terms USING fts5vocab(words, 'instance');`;

/** Prefix lengths kept in the index, so a short prefix query reads one list instead of merging every word it starts. */
export const FTS_PREFIX = '3 4';
/** aios_meta key of the index's updated_at high-water mark (see fts.ts). */
export const FTS_MARK_KEY = 'fts_updated_at_mark';
const FTS_DDL = `CREATE VIRTUAL TABLE IF NOT EXISTS aios_memory_fts USING fts5(content, interp, content='', contentless_delete=1,
  tokenize='${FTS_TOKENIZE}', prefix='${FTS_PREFIX}')`;

/**
 * `aios_memory_docs` mirrors, row for row (keyed by `memories.rowid`), the
 * values that were indexed, so a sync can tell exactly which rows others
 * added, changed or removed. The FTS table is contentless with
 * `contentless_delete`, so a row can be dropped from the index by rowid alone.
 */
export const AIOS_DDL = [
  'CREATE TABLE IF NOT EXISTS aios_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS aios_memory_docs (mem_rowid INTEGER PRIMARY KEY, id, content, interp)',
  FTS_DDL,
  `CREATE TABLE IF NOT EXISTS aios_command_history (id TEXT PRIMARY KEY, command TEXT NOT NULL, decision TEXT NOT NULL,
  matched_rule TEXT, approver TEXT, exit_code INTEGER, signal TEXT, duration_ms INTEGER, started_at TEXT NOT NULL,
  ended_at TEXT, cwd TEXT, machine TEXT, output_excerpt TEXT, output_truncated INTEGER NOT NULL DEFAULT 0, session_id TEXT)`,
  'CREATE INDEX IF NOT EXISTS aios_command_history_started_at ON aios_command_history(started_at)',
] as const;

export const AIOS_TABLES = ['aios_meta', 'aios_memory_docs', 'aios_memory_fts', 'aios_command_history'] as const;

/**
 * Columns added to aios_command_history after its first release (structured
 * command records): files written before get them by ALTER TABLE ADD
 * COLUMN, so older rows keep working with nulls there.
 */
export const HISTORY_ADDED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['call_id', 'TEXT'],
  ['turn_id', 'TEXT'],
  ['conversation_id', 'TEXT'],
  ['record_json', 'TEXT'],
  // Write-ahead: 'running' from the moment a command or tool call starts, 'done' or 'interrupted' after (null: older rows, done).
  ['state', 'TEXT'],
  // `host/pid` of the process that wrote a running row, so a later start can tell a crashed writer from a live one.
  ['owner', 'TEXT'],
  // What a command run as a transaction did (JSON: undo record, counts, paths, packages added and removed); see history.ts.
  ['effects_json', 'TEXT'],
];

/**
 * The chat's conversations (conversation/store.ts), in aios's own tables of
 * the same file. Created by the conversation store when it opens, not by
 * ensureSchema: a file only the memory commands touched has none, and that
 * does not make its index incomplete.
 */
export const CONVERSATION_DDL = [
  `CREATE TABLE IF NOT EXISTS aios_conversations (
    id TEXT PRIMARY KEY,
    machine TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS aios_conversation_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES aios_conversations(id),
    message TEXT NOT NULL,
    created_at TEXT NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS aios_conversation_messages_conv ON aios_conversation_messages(conversation_id, seq)',
] as const;

export const CONVERSATION_TABLES = ['aios_conversations', 'aios_conversation_messages'] as const;

/** Creates the conversation tables where they are missing (idempotent). */
export function ensureConversationTables(db: Database.Database): void {
  for (const sql of CONVERSATION_DDL) db.exec(sql);
}

const HISTORY_INDEXES = ['CREATE INDEX IF NOT EXISTS aios_command_history_call_id ON aios_command_history(call_id)'];

export interface SchemaState {
  tables: string[];
  /** Columns of `memories` in file order; empty when the table is absent. */
  memoryColumns: string[];
  missingMemoryColumns: string[];
  missingAigptTables: string[];
  missingAiosTables: string[];
  /** Columns of HISTORY_ADDED_COLUMNS an existing aios_command_history lacks. */
  missingHistoryColumns: string[];
  /** The full-text index exists but was made with another tokenizer or prefixes (an older aios): rebuilt on open. */
  ftsOutdated: boolean;
  aiosSchemaVersion: number | undefined;
}

export function readSchemaState(db: Database.Database): SchemaState {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  const memoryColumns = tables.includes('memories')
    ? (db.prepare("SELECT name FROM pragma_table_info('memories') ORDER BY cid").pluck().all() as string[])
    : [];
  const historyColumns = tables.includes('aios_command_history')
    ? (db.prepare("SELECT name FROM pragma_table_info('aios_command_history')").pluck().all() as string[])
    : null;
  const ftsSql = tables.includes('aios_memory_fts')
    ? (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'aios_memory_fts'").pluck().get() as string | null)
    : null;
  let aiosSchemaVersion: number | undefined;
  if (tables.includes('aios_meta')) {
    const v = db.prepare("SELECT value FROM aios_meta WHERE key = 'schema_version'").pluck().get() as string | undefined;
    aiosSchemaVersion = v === undefined ? undefined : Number(v);
  }
  return {
    tables,
    memoryColumns,
    missingMemoryColumns: memoryColumns.length === 0 ? [] : MEMORY_COLUMNS.filter((c) => !memoryColumns.includes(c)),
    missingAigptTables: AIGPT_TABLES.filter((t) => !tables.includes(t)),
    missingAiosTables: AIOS_TABLES.filter((t) => !tables.includes(t)),
    missingHistoryColumns: HISTORY_ADDED_COLUMNS.map(([c]) => c).filter((c) => historyColumns === null || !historyColumns.includes(c)),
    ftsOutdated: ftsSql !== null && !(ftsSql.includes(`tokenize='${FTS_TOKENIZE}'`) && ftsSql.includes(`prefix='${FTS_PREFIX}'`)),
    aiosSchemaVersion,
  };
}

function needsWork(s: SchemaState): boolean {
  return (
    s.missingAigptTables.length > 0 ||
    s.missingMemoryColumns.length > 0 ||
    s.missingAiosTables.length > 0 ||
    s.missingHistoryColumns.length > 0 ||
    s.ftsOutdated ||
    s.aiosSchemaVersion !== AIOS_SCHEMA_VERSION
  );
}

/** Throws 'incompatible' for a memories table aios could only use by rewriting it. */
export function assertCompatible(s: SchemaState, path: string): void {
  if (s.memoryColumns.length === 0) return;
  const missing = REQUIRED_COLUMNS.filter((c) => !s.memoryColumns.includes(c));
  if (missing.length > 0) {
    throw new MemoryStoreError('incompatible', path, `table memories has no column ${missing.join(', ')}`, 'AIOS_SCHEMA');
  }
}

/**
 * Creates what is missing, in one IMMEDIATE transaction; a file that already
 * has everything is only read. Returns the state found before any change.
 */
export function ensureSchema(db: Database.Database, path: string): SchemaState {
  const before = readSchemaState(db);
  assertCompatible(before, path);
  if (!needsWork(before)) return before;
  db.transaction(() => {
    // Another process may have migrated the file while we waited for the lock.
    const now = readSchemaState(db);
    assertCompatible(now, path);
    for (const sql of AIGPT_DDL) {
      if (!sql.startsWith('CREATE INDEX') && !now.tables.includes(tableOf(sql))) db.exec(sql);
    }
    if (now.memoryColumns.length > 0) {
      for (const [column, type] of ADDED_COLUMNS) {
        if (!now.memoryColumns.includes(column)) db.exec(`ALTER TABLE memories ADD COLUMN ${column} ${type}`);
      }
    }
    // Indexes last: an older file gets priority_score only from the ALTER above.
    for (const sql of AIGPT_DDL) if (sql.startsWith('CREATE INDEX')) db.exec(sql);
    if (now.ftsOutdated) {
      // An index made by an older aios: dropped with its copy of what was indexed
      // and its mark, so the first search rebuilds it whole with today's tokenizer.
      db.exec('DROP TABLE aios_memory_fts');
      if (now.tables.includes('aios_memory_docs')) db.exec('DELETE FROM aios_memory_docs');
      if (now.tables.includes('aios_meta')) db.prepare('DELETE FROM aios_meta WHERE key = ?').run(FTS_MARK_KEY);
    }
    for (const sql of AIOS_DDL) db.exec(sql);
    // Only aios_* tables are ever altered (the file is shared with aigpt); checked again inside the lock.
    const present = db.prepare("SELECT name FROM pragma_table_info('aios_command_history')").pluck().all() as string[];
    for (const [column, type] of HISTORY_ADDED_COLUMNS) {
      if (!present.includes(column)) db.exec(`ALTER TABLE aios_command_history ADD COLUMN ${column} ${type}`);
    }
    for (const sql of HISTORY_INDEXES) db.exec(sql);
    db.prepare("INSERT OR REPLACE INTO aios_meta (key, value) VALUES ('schema_version', ?)").run(String(AIOS_SCHEMA_VERSION));
  }).immediate();
  return before;
}

function tableOf(sql: string): string {
  const m = /CREATE TABLE IF NOT EXISTS (\w+)/.exec(sql);
  return m?.[1] ?? '';
}
