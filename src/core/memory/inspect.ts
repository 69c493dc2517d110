import fs from 'node:fs';
import { openDatabase } from './connection';
import { MemoryStoreError, toMemoryError, type MemoryErrorKind } from './errors';
import { AIGPT_TIMESTAMP_RE, ULID_RE } from './format';
import { AIGPT_TABLES, AIOS_SCHEMA_VERSION, AIOS_TABLES, readSchemaState } from './schema';

/**
 * A read-only look at a memory file for `aios doctor`: nothing is created,
 * migrated or written, and a damaged file is described, not touched.
 */
export interface MemoryFileReport {
  path: string;
  exists: boolean;
  sizeBytes?: number;
  /** Set when the file could not be read; the rest is then absent. */
  error?: { kind: MemoryErrorKind; message: string; sqliteMessage: string; code?: string };
  journalMode?: string;
  sqliteVersion?: string;
  tables?: string[];
  memoryColumns?: string[];
  /** Columns an older aigpt file lacks; aios adds them when it next opens the file for writing. */
  missingMemoryColumns?: string[];
  missingAigptTables?: string[];
  aiosSchemaVersion?: number | null;
  expectedAiosSchemaVersion: number;
  rowCounts?: Record<string, number>;
  fts?: { present: boolean; indexedRows: number; pendingRows: number };
  /** Rows aigpt could not read back (it fails every read while one exists). */
  formatProblems?: { badIds: number; badTimestamps: number; badRelatedEntities: number; examples: string[] };
  quickCheck?: string;
}

function isEntityList(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((e) => typeof e === 'string');
  } catch {
    return false;
  }
}

function countFormatProblems(db: ReturnType<typeof openDatabase>['db']): NonNullable<MemoryFileReport['formatProblems']> {
  const out = { badIds: 0, badTimestamps: 0, badRelatedEntities: 0, examples: [] as string[] };
  const stmt = db.prepare('SELECT rowid, id, created_at, updated_at, related_entities FROM memories');
  for (const r of stmt.iterate() as Iterable<{
    rowid: number;
    id: unknown;
    created_at: unknown;
    updated_at: unknown;
    related_entities: unknown;
  }>) {
    const problems: string[] = [];
    if (typeof r.id !== 'string' || !ULID_RE.test(r.id)) {
      out.badIds++;
      problems.push(`id ${JSON.stringify(r.id)}`);
    }
    for (const col of ['created_at', 'updated_at'] as const) {
      const v = r[col];
      if (typeof v !== 'string' || !AIGPT_TIMESTAMP_RE.test(v)) {
        out.badTimestamps++;
        problems.push(`${col} ${JSON.stringify(v)}`);
      }
    }
    if (r.related_entities !== null && !isEntityList(r.related_entities)) {
      out.badRelatedEntities++;
      problems.push('related_entities is not a JSON list of strings');
    }
    if (problems.length > 0 && out.examples.length < 5) out.examples.push(`row ${r.rowid}: ${problems.join(', ')}`);
  }
  return out;
}

export function inspectMemoryFile(file: string, options: { quickCheck?: boolean } = {}): MemoryFileReport {
  const report: MemoryFileReport = { path: file, exists: fs.existsSync(file), expectedAiosSchemaVersion: AIOS_SCHEMA_VERSION };
  if (!report.exists) return report;
  report.sizeBytes = fs.statSync(file).size;
  let opened: ReturnType<typeof openDatabase> | undefined;
  try {
    opened = openDatabase(file, { readonly: true, skipCheck: true });
    const { db } = opened;
    report.journalMode = opened.journalMode;
    report.sqliteVersion = db.prepare('SELECT sqlite_version()').pluck().get() as string;
    const state = readSchemaState(db);
    report.tables = state.tables;
    report.memoryColumns = state.memoryColumns;
    report.missingMemoryColumns = state.missingMemoryColumns;
    report.missingAigptTables = state.missingAigptTables;
    report.aiosSchemaVersion = state.aiosSchemaVersion ?? null;
    const counted = [...AIGPT_TABLES, 'aios_command_history', 'aios_memory_docs'].filter((t) => state.tables.includes(t));
    report.rowCounts = Object.fromEntries(counted.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
    const ftsPresent = AIOS_TABLES.every((t) => state.tables.includes(t));
    if (ftsPresent && state.tables.includes('memories') && state.missingMemoryColumns.length === 0) {
      const changed = db
        .prepare(
          `SELECT count(*) FROM memories m LEFT JOIN aios_memory_docs d ON d.mem_rowid = m.rowid
           WHERE d.mem_rowid IS NULL OR d.id IS NOT m.id OR d.content IS NOT m.content OR d.interp IS NOT m.ai_interpretation`,
        )
        .pluck()
        .get() as number;
      const orphans = db
        .prepare('SELECT count(*) FROM aios_memory_docs d WHERE NOT EXISTS (SELECT 1 FROM memories m WHERE m.rowid = d.mem_rowid)')
        .pluck()
        .get() as number;
      report.fts = { present: true, indexedRows: report.rowCounts.aios_memory_docs ?? 0, pendingRows: changed + orphans };
    } else {
      report.fts = { present: false, indexedRows: 0, pendingRows: report.rowCounts.memories ?? 0 };
    }
    if (state.tables.includes('memories')) report.formatProblems = countFormatProblems(db);
    if (options.quickCheck ?? true) report.quickCheck = (db.pragma('quick_check', { simple: true }) as string) ?? 'unknown';
  } catch (err) {
    const e = err instanceof MemoryStoreError ? err : toMemoryError(err, file);
    report.error = { kind: e.kind, message: e.message, sqliteMessage: e.sqliteMessage, ...(e.code ? { code: e.code } : {}) };
  } finally {
    opened?.db.close();
  }
  return report;
}
