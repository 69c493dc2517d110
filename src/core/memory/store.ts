import type Database from 'better-sqlite3';
import { enableWal, markReadOnly, writeTransaction, type OpenOptions } from './connection';
import { openWritableOrReadOnly } from './open-mode';
import { isWriteBlocked, MemoryStoreError, toMemoryError } from './errors';
import { newUlid, nowDbTimestamp, parseRelatedEntities, toF32 } from './format';
import { MemoryIndex, type SyncResult } from './fts';
import { IndexUpkeep, type IndexUpkeepOptions, type StepResult } from './fts-upkeep';
import { MappedReads } from './mapped-reads';
import { rankedCandidates, Ranker } from './rank';
import { getProfile, latestAnalysis, saveAnalysis, type LayerSource, type UserProfile } from './profile';
import { getRelationship, listRelationships, type RelationshipInference } from './relationships';
import { assertCompatible, ensureSchema, readSchemaState, type SchemaState } from './schema';
import { stemsOf } from './stem';
import { likePattern, parseQuery, snippetMaker, valueToText } from './text';
import type { BigFive, CreateAiOptions, ListOptions, Memory, MemorySearchHit, SearchOptions, UserAnalysis } from './types';

interface MemoryRow {
  rowid: number;
  id: unknown;
  content: unknown;
  ai_interpretation: unknown;
  priority_score: unknown;
  related_entities: unknown;
  created_at: unknown;
  updated_at: unknown;
}

export interface StoreOptions extends OpenOptions {
  /** Phrases matching more memories than this are not weighed by bm25 (see rank.ts; tests make it small). */
  commonPhraseMatches?: number;
  /** The index's merge upkeep (fts-upkeep.ts); false turns it off (benches drive it by hand). */
  upkeep?: IndexUpkeepOptions | false;
}

const COLUMNS = 'rowid, id, content, ai_interpretation, priority_score, related_entities, created_at, updated_at';
const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 1000;
/** Ranking every match of a word found in most memories costs time in proportion; the newest this many are ranked. */
const DEFAULT_MAX_CANDIDATES = 500;

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

function checkText(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}

function checkScore(value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`priority_score must be a number from 0.0 to 1.0 (got ${String(value)})`);
  }
  return toF32(value);
}

function checkEntities(value: string[] | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || !value.every((e) => typeof e === 'string' && e.length > 0)) {
    throw new TypeError('related_entities must be a list of non-empty strings');
  }
  return JSON.stringify(value);
}

function clampInt(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/**
 * aigpt's memory database, shared with aigpt and every container that
 * mounts the folder. All writes are BEGIN IMMEDIATE transactions; every
 * change to `memories` also clears `relationship_cache`, as aigpt does.
 * Methods throw MemoryStoreError for file-level failures (with the path and
 * SQLite's message) and TypeError/RangeError for bad arguments.
 */
export class MemoryStore {
  readonly path: string;
  readonly journalMode: string;
  /** The schema as found when the file was opened (before any migration). */
  readonly schemaAtOpen: SchemaState;
  readonly readonly: boolean;
  /** Why a store asked to write was opened read-only (a newer schema, a read-only folder); writes are refused with it. */
  readonly readOnlyBecause: MemoryStoreError | undefined;
  private readonly db: Database.Database;
  private readonly index: MemoryIndex | undefined;
  private readonly ranker: Ranker | undefined;
  private readonly upkeep: IndexUpkeep | undefined;
  /** Reads through a memory map (undefined for a copy in memory); checked before every use of the connection. */
  private readonly mappedReads: MappedReads | undefined;
  private closed = false;
  private readonly stmts;

  constructor(file: string, options: StoreOptions = {}) {
    this.path = file;
    const { opened, readOnlyBecause } = openWritableOrReadOnly(file, options);
    this.readonly = (options.readonly ?? false) || readOnlyBecause !== undefined;
    this.readOnlyBecause = readOnlyBecause;
    const db = opened.db;
    if (readOnlyBecause) markReadOnly(db, readOnlyBecause);
    let journalMode = opened.journalMode;
    try {
      const found = readSchemaState(db);
      assertCompatible(found, file);
      if (!this.readonly) journalMode = enableWal(db);
      this.schemaAtOpen = this.readonly ? found : ensureSchema(db, file);
      const state = this.readonly ? this.schemaAtOpen : readSchemaState(db);
      if (state.missingAigptTables.includes('memories')) {
        throw new MemoryStoreError('incompatible', file, 'no memories table (opened read-only, nothing was created)', 'AIOS_SCHEMA');
      }
      this.index = state.missingAiosTables.length === 0 ? new MemoryIndex(db) : undefined;
      this.ranker = this.index ? new Ranker(db, options.commonPhraseMatches) : undefined;
      this.mappedReads = journalMode === 'snapshot' ? undefined : new MappedReads(db, file);
      const upkeep = { ...(options.upkeep || {}), beforeStep: () => this.mappedReads?.check() };
      this.upkeep = this.index && !this.readonly && options.upkeep !== false ? new IndexUpkeep(db, upkeep) : undefined;
      this.stmts = {
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
    } catch (err) {
      db.close();
      throw toMemoryError(err, file);
    }
    this.db = db;
    this.journalMode = journalMode;
    // A file written before (by batches, or by an aios without upkeep) may hold many segments.
    this.upkeep?.noteWrite();
  }

  /** The connection, for sibling modules of this folder (history, layers). */
  get connection(): Database.Database {
    this.assertOpen();
    this.mappedReads?.check();
    return this.db;
  }

  /** Runs `fn` and reports any SQLite failure as a MemoryStoreError for this file. */
  guard<T>(fn: () => T): T {
    this.assertOpen();
    this.mappedReads?.check();
    try {
      return fn();
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) throw err;
      throw toMemoryError(err, this.path);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new MemoryStoreError('closed', this.path, 'the store was closed', 'AIOS_CLOSED');
  }

  /** Layer 1: a plain memory. */
  create(content: string): Memory {
    return this.createAi(content, {});
  }

  /** Layer 2: a memory with the AI's interpretation, priority and (Layer 4) related entities. */
  createAi(content: string, options: CreateAiOptions = {}): Memory {
    const text = checkText('content', content);
    const interp =
      options.aiInterpretation === undefined || options.aiInterpretation === null
        ? null
        : checkText('ai_interpretation', options.aiInterpretation);
    const score = checkScore(options.priorityScore);
    const entities = checkEntities(options.relatedEntities);
    return this.guard(() =>
      writeTransaction(this.db, () => {
        const id = newUlid();
        const now = nowDbTimestamp();
        const info = this.stmts.insert.run(id, text, interp, score, entities, now, now);
        const rowid = Number(info.lastInsertRowid);
        this.index?.put(rowid, id, text, interp);
        this.stmts.clearRelationships.run();
        this.upkeep?.noteWrite();
        return rowToMemory(this.stmts.byRowid.get(rowid) as MemoryRow);
      }),
    );
  }

  get(id: string): Memory | undefined {
    return this.guard(() => {
      const row = this.stmts.byId.get(id) as MemoryRow | undefined;
      return row ? rowToMemory(row) : undefined;
    });
  }

  /** Replaces the content (as aigpt's update_memory does); undefined when no such id. */
  update(id: string, content: string): Memory | undefined {
    const text = checkText('content', content);
    return this.guard(() =>
      writeTransaction(this.db, () => {
        const row = this.stmts.byId.get(id) as MemoryRow | undefined;
        if (!row) return undefined;
        this.stmts.update.run(text, nowDbTimestamp(), row.rowid);
        const after = this.stmts.byRowid.get(row.rowid) as MemoryRow;
        this.index?.put(after.rowid, after.id, after.content, after.ai_interpretation);
        this.stmts.clearRelationships.run();
        this.upkeep?.noteWrite();
        return rowToMemory(after);
      }),
    );
  }

  /** False when no such id. */
  delete(id: string): boolean {
    return this.guard(() =>
      writeTransaction(this.db, () => {
        const row = this.stmts.byId.get(id) as MemoryRow | undefined;
        if (!row) return false;
        this.stmts.remove.run(row.rowid);
        this.index?.remove(row.rowid);
        this.stmts.clearRelationships.run();
        this.upkeep?.noteWrite();
        return true;
      }),
    );
  }

  /** Newest first, like aigpt's list. */
  list(options: ListOptions = {}): Memory[] {
    const limit = clampInt(options.limit, -1, 0, Number.MAX_SAFE_INTEGER);
    const offset = clampInt(options.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    return this.guard(() => (this.stmts.list.all(limit, offset) as MemoryRow[]).map(rowToMemory));
  }

  count(): number {
    return this.guard(() => this.stmts.count.get() as number);
  }

  /**
   * Brings the full-text index up to date with rows others wrote. Search
   * calls this itself; it is public for tools that want to pay the cost of a
   * first build up front.
   */
  syncIndex(): SyncResult {
    return this.guard(() => {
      if (!this.index)
        throw new MemoryStoreError(
          'readonly',
          this.path,
          'the full-text index tables are missing and the store is read-only',
          'AIOS_NO_INDEX',
        );
      return this.noteSync(this.index.sync());
    });
  }

  /**
   * One step of the index's merge upkeep now, rather than on its timer
   * (benches, tools): 'done' when no level of the index holds two segments,
   * 'busy' when another connection holds the write lock.
   */
  upkeepStep(): StepResult {
    return this.guard(() => {
      if (!this.upkeep) throw new MemoryStoreError('readonly', this.path, 'the store keeps no index it may write', 'AIOS_NO_INDEX');
      return this.upkeep.step();
    });
  }

  /** A sync that wrote the index made new segments: upkeep merges them once the store is idle. */
  private noteSync(result: SyncResult): SyncResult {
    if (result.added + result.updated + result.removed > 0) this.upkeep?.noteWrite();
    return result;
  }

  /** Rows in the full-text index (may lag `count()` until the next search). */
  indexedCount(): number {
    return this.guard(() => this.index?.indexedCount() ?? 0);
  }

  /**
   * Ranked full-text search (bm25 over content and AI interpretation, with
   * snippets). All words must match, as typed or else as prefixes ("install"
   * finds "installed"); when none has them all, any word will do.
   * When the index finds nothing (symbols, parts of words), or cannot be
   * brought up to date (read-only or locked file), falls back to aigpt's
   * substring match, newest first.
   */
  search(query: string, options: SearchOptions = {}): MemorySearchHit[] {
    const text = checkText('query', query);
    const limit = clampInt(options.limit, DEFAULT_SEARCH_LIMIT, 1, MAX_SEARCH_LIMIT);
    const offset = clampInt(options.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    // Never rank fewer rows than were asked for.
    const cap = Math.max(clampInt(options.maxCandidates, DEFAULT_MAX_CANDIDATES, 1, 1_000_000), offset + limit);
    const parsed = parseQuery(text);
    return this.guard(() => {
      if (this.index && this.ranker && parsed.phrases.length > 0 && this.trySync()) {
        const found = rankedCandidates(this.ranker, parsed.phrases, offset + limit, cap);
        if (found && found.rows.length > 0) {
          const { rows, capped } = found;
          rows.sort((a, b) => a.score - b.score || b.rowid - a.rowid);
          const hits: MemorySearchHit[] = [];
          // The index matched stems at word starts: mark the same in the snippet.
          const marks = { ...options.snippet, wordStart: true, stems: stemsOf(parsed.terms) };
          const snippet = snippetMaker(parsed.terms, marks);
          const page = rows.slice(offset, offset + limit);
          const fetched = new Map(
            (this.stmts.byRowids.all(JSON.stringify(page.map((c) => c.rowid))) as MemoryRow[]).map((r) => [r.rowid, r]),
          );
          for (const c of page) {
            const row = fetched.get(c.rowid);
            if (!row) continue;
            const memory = rowToMemory(row);
            hits.push({ memory, score: -c.score, snippet: snippetFor(memory, snippet, marks.open), matchedBy: 'fts', capped });
          }
          return hits;
        }
      }
      return this.substringSearch(parsed.terms.length > 0 ? parsed.terms : [text], limit, offset, options);
    });
  }

  private trySync(): boolean {
    try {
      if (this.index) this.noteSync(this.index.sync());
      return true;
    } catch (err) {
      const e = toMemoryError(err, this.path);
      if (isWriteBlocked(e)) return false;
      throw e;
    }
  }

  private substringSearch(terms: string[], limit: number, offset: number, options: SearchOptions): MemorySearchHit[] {
    const where = terms.map(() => "(content LIKE ? ESCAPE '\\' OR ai_interpretation LIKE ? ESCAPE '\\')").join(' AND ');
    const params = terms.flatMap((t) => [likePattern(t), likePattern(t)]);
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM memories WHERE ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as MemoryRow[];
    const snippet = snippetMaker(terms, options.snippet);
    return rows.map((r) => {
      const memory = rowToMemory(r);
      return {
        memory,
        score: 0,
        snippet: snippetFor(memory, snippet, options.snippet?.open),
        matchedBy: 'substring' as const,
        capped: false,
      };
    });
  }

  private get layers(): LayerSource {
    return { db: this.db, allMemories: () => this.list(), count: () => this.count() };
  }

  /** Layer 3: stores a Big Five analysis (scores clamped to 0..1, as aigpt does). */
  saveAnalysis(scores: BigFive, summary: string): UserAnalysis {
    checkText('summary', summary);
    for (const [k, v] of Object.entries(scores)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${k} must be a number`);
    }
    return this.guard(() => saveAnalysis(this.layers, scores, summary));
  }

  latestAnalysis(): UserAnalysis | undefined {
    return this.guard(() => latestAnalysis(this.db));
  }

  /** Layer 3.5: the integrated profile, cached in `user_profiles` by aigpt's rules. */
  getProfile(): UserProfile {
    return this.guard(() => getProfile(this.layers));
  }

  /** Layer 4: the inferred relationship with one entity (cached five minutes). */
  getRelationship(entityId: string): RelationshipInference {
    if (checkText('entity_id', entityId).length === 0) throw new TypeError('entity_id is required');
    return this.guard(() => getRelationship(this.layers, entityId));
  }

  listRelationships(limit = 10): RelationshipInference[] {
    return this.guard(() => listRelationships(this.layers, clampInt(limit, 10, 0, Number.MAX_SAFE_INTEGER)));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.upkeep?.close();
    this.db.close();
  }
}

/** The excerpt from the content, or from the interpretation when only that matched. */
function snippetFor(memory: Memory, snippet: (text: string) => string, open = '«'): string {
  const inContent = snippet(memory.content);
  if (!inContent.includes(open) && memory.aiInterpretation) {
    const inInterp = snippet(memory.aiInterpretation);
    if (inInterp.includes(open)) return inInterp;
  }
  return inContent;
}

/** Opens (creating or migrating when needed) the memory database at `dbPath`. Throws MemoryStoreError. */
export function openMemoryStore(dbPath: string, options: StoreOptions = {}): MemoryStore {
  return new MemoryStore(dbPath, options);
}
