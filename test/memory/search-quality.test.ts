import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { AIOS_SCHEMA_VERSION } from '../../src/core/memory/schema';
import { meaningfulTerms } from '../../src/core/memory/text';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore | undefined;
beforeEach(() => {
  tmp = makeTempDir('aios-search-quality-');
});
afterEach(() => {
  store?.close();
  store = undefined;
  tmp.cleanup();
});

describe('search finds what a person means', () => {
  it('finds "backup" for "backups" (and back), marking the word found', () => {
    store = openMemoryStore(tmp.join('memory.db'));
    const m = store.create('nightly backup of /home goes to the NAS');
    const hits = store.search('backups');
    expect(hits.map((h) => h.memory.id)).toEqual([m.id]);
    expect(hits[0]!.matchedBy).toBe('fts');
    expect(hits[0]!.snippet).toContain('«backup»');
    const n = store.create('keeping backups on an external disk');
    expect(new Set(store.search('backup').map((h) => h.memory.id))).toEqual(new Set([m.id, n.id]));
    expect(store.search('keep').map((h) => h.memory.id)).toEqual([n.id]);
    expect(store.search('keep')[0]!.snippet).toContain('«keeping»');
  });

  it('leaves stop words and one-letter words out of a question, and marks none of them', () => {
    store = openMemoryStore(tmp.join('memory.db'));
    store.create('I prefer vim as my editor, with a dark theme');
    const backups = store.create('I keep backups on the NAS under /srv/backup');
    const hits = store.search('where do I keep backups');
    expect(hits.map((h) => h.memory.id)).toEqual([backups.id]);
    expect(hits[0]!.snippet).not.toContain('«I»');
    expect(hits[0]!.snippet).toContain('«keep»');
    expect(hits[0]!.snippet).not.toMatch(/\w«|»\w/);
  });

  it('keeps quoted words, and a query that is nothing but stop words', () => {
    expect(meaningfulTerms('where do I keep backups')).toEqual(['keep', 'backups']);
    expect(meaningfulTerms('what is "the who" about')).toEqual(['the who']);
    expect(meaningfulTerms('the')).toEqual(['the']);
    expect(meaningfulTerms('to be or not to be')).toEqual(['to', 'be', 'or', 'not', 'to', 'be']);
    expect(meaningfulTerms('x y nginx')).toEqual(['nginx']);
    expect(meaningfulTerms('猫 が 好き')).toEqual(['猫', 'が', '好き']);
  });
});

describe('a memory file indexed by an older aios', () => {
  /** Turns a file into what the first aios left: its unstemmed index, schema version 1. */
  function makeOld(file: string): void {
    const db = new Database(file);
    db.exec(`DROP TABLE aios_memory_fts;
      CREATE VIRTUAL TABLE aios_memory_fts USING fts5(content, interp, content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2', prefix='3');
      INSERT INTO aios_memory_fts (rowid, content, interp) SELECT mem_rowid, content, interp FROM aios_memory_docs;
      UPDATE aios_meta SET value = '1' WHERE key = 'schema_version';`);
    db.close();
  }
  const aigptState = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return {
        schema: db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'aios_%' ORDER BY name").all(),
        rows: db.prepare('SELECT * FROM memories ORDER BY rowid').all(),
      };
    } finally {
      db.close();
    }
  };

  it("is re-indexed with stemming on open; aigpt's tables stay as they were, and later foreign writes are still found", () => {
    const file = tmp.join('memory.db');
    const first = openMemoryStore(file);
    const a = first.create('nightly backup of /home');
    first.create('tea with alice');
    first.search('tea');
    first.close();
    makeOld(file);
    const old = openMemoryStore(file, { readonly: true });
    expect(old.search('backups').filter((h) => h.matchedBy === 'fts')).toEqual([]);
    old.close();
    const before = aigptState(file);

    store = openMemoryStore(file);
    expect(store.schemaAtOpen.aiosSchemaVersion).toBe(1);
    expect(store.search('backups').map((h) => [h.memory.id, h.matchedBy])).toEqual([[a.id, 'fts']]);
    expect(store.indexedCount()).toBe(2);
    expect(aigptState(file)).toEqual(before);
    const db = new Database(file);
    expect(db.prepare("SELECT value FROM aios_meta WHERE key = 'schema_version'").pluck().get()).toBe(String(AIOS_SCHEMA_VERSION));
    expect(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'aios_memory_fts'").pluck().get()).toContain('porter');
    // A write by another program after the rebuild is found through the marks.
    const at = '2026-12-01T10:00:00+00:00';
    const foreign = ulid();
    db.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      foreign,
      'restored the backups yesterday',
      at,
      at,
    );
    db.prepare("UPDATE memories SET content = 'green tea with bob', updated_at = ? WHERE content = 'tea with alice'").run(at);
    db.close();
    expect(new Set(store.search('backup').map((h) => h.memory.id))).toEqual(new Set([a.id, foreign]));
    expect(store.search('alice').filter((h) => h.matchedBy === 'fts')).toEqual([]);
    expect(store.search('bob').map((h) => h.memory.content)).toEqual(['green tea with bob']);
    expect(store.indexedCount()).toBe(3);
    store.connection.prepare("INSERT INTO aios_memory_fts(aios_memory_fts, rank) VALUES ('integrity-check', 0)").run();
  });
});
