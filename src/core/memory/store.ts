import type Database from 'better-sqlite3';
import { enableWal, markReadOnly, type OpenOptions } from './connection';
import { openWritableOrReadOnly } from './open-mode';
import { isWriteBlocked, MemoryStoreError, toMemoryError } from './errors';
import { checkText, clampInt } from './checks';
import { MemoryIndex, type SyncResult } from './fts';
import { IndexUpkeep, type IndexUpkeepOptions, type StepResult } from './fts-upkeep';
import { MappedReads } from './mapped-reads';
import { prepareStatements, rowToMemory, type MemoryRow, type MemoryStatements, type StoreParts } from './memory-rows';
import { Ranker } from './rank';
import { getProfile, latestAnalysis, saveAnalysis, type LayerSource, type UserProfile } from './profile';
import { getRelationship, listRelationships, type RelationshipInference } from './relationships';
import { assertCompatible, ensureSchema, readSchemaState, type SchemaState } from './schema';
import { runSearch, searchRequest } from './search';
import type { BigFive, CreateAiOptions, ListOptions, Memory, MemorySearchHit, SearchOptions, UserAnalysis } from './types';
import { checkNewMemory, deleteMemory, insertMemory, replaceContent } from './writes';

export interface StoreOptions extends OpenOptions {
  /** Phrases matching more memories than this are not weighed by bm25 (see rank.ts; tests make it small). */
  commonPhraseMatches?: number;
  /** The index's merge upkeep (fts-upkeep.ts); false turns it off (benches drive it by hand). */
  upkeep?: IndexUpkeepOptions | false;
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
  private readonly stmts: MemoryStatements;
  /** The parts above, for the reads and writes in search.ts and writes.ts. */
  private readonly parts: StoreParts;

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
      this.stmts = prepareStatements(db);
    } catch (err) {
      db.close();
      throw toMemoryError(err, file);
    }
    this.db = db;
    this.journalMode = journalMode;
    this.parts = { db, stmts: this.stmts, index: this.index, ranker: this.ranker, upkeep: this.upkeep };
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
    const values = checkNewMemory(content, options);
    return this.guard(() => insertMemory(this.parts, values));
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
    return this.guard(() => replaceContent(this.parts, id, text));
  }

  /** False when no such id. */
  delete(id: string): boolean {
    return this.guard(() => deleteMemory(this.parts, id));
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
    const request = searchRequest(query, options);
    return this.guard(() => runSearch(this.parts, request, options, () => this.trySync()));
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

/** Opens (creating or migrating when needed) the memory database at `dbPath`. Throws MemoryStoreError. */
export function openMemoryStore(dbPath: string, options: StoreOptions = {}): MemoryStore {
  return new MemoryStore(dbPath, options);
}
