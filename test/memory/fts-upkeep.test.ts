import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { nowDbTimestamp } from '../../src/core/memory/format';
import { mulberry32 } from '../../bench/lib/stats';
import { makeTempDir, waitFor, type TempDir } from '../support/temp';

/**
 * The index's merge upkeep: fewer segments, the same results, never in
 * another writer's way, and nothing after close. Segments are counted from
 * FTS5's own table of leaf-page keys (`%_idx`, one segment id per segment).
 */
const rnd = mulberry32(7);
const VOCAB = Array.from({ length: 300 }, (_, i) => `w${i.toString(36)}q${'abcdefghij'[i % 10]}`);
const zipf = (): string => VOCAB[Math.min(VOCAB.length - 1, Math.floor(Math.pow(rnd(), 2.2) * VOCAB.length))]!;
const text = (): string => Array.from({ length: 4 + Math.floor(rnd() * 14) }, zipf).join(' ');
const QUERIES = [...VOCAB.slice(0, 40), ...VOCAB.slice(0, 20).map((w, i) => `${w} ${VOCAB[(i * 7) % 60]!.slice(0, 3)}`), 'w1', 'w2q'];

let tmp: TempDir;
let file: string;
beforeEach(() => {
  tmp = makeTempDir('aios-fts-upkeep-');
  file = tmp.join('memory.db');
});
afterEach(() => tmp.cleanup());

const segments = (db: Database.Database): number =>
  db.prepare('SELECT count(DISTINCT segid) FROM aios_memory_fts_idx').pluck().get() as number;

let foreignIds = 0;
/** Writes as aios and aigpt do: one memory per transaction, half by aios, half by another connection and indexed by a sync. */
function writeOneByOne(store: MemoryStore, n: number): void {
  const other = new Database(file);
  const insert = other.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) store.create(text());
    else {
      const at = nowDbTimestamp();
      insert.run(`foreign-${++foreignIds}`, text(), at, at);
      store.syncIndex();
    }
  }
  other.close();
}

const ranked = (store: MemoryStore) =>
  QUERIES.map((q) => store.search(q, { limit: 20 }).map((h) => [h.memory.id, h.score, h.snippet, h.matchedBy, h.capped]));

describe('FTS index merge upkeep', () => {
  it('merges the segments of a file written one memory at a time, results unchanged', () => {
    const store = openMemoryStore(file, { upkeep: { idleMs: 60_000 } });
    try {
      writeOneByOne(store, 600);
      const before = segments(store.connection);
      const results = ranked(store);
      expect(results.flat().length).toBeGreaterThan(200);
      let steps = 0;
      while (store.upkeepStep() === 'merged') expect(++steps).toBeLessThan(10_000);
      const after = segments(store.connection);
      expect(before).toBeGreaterThanOrEqual(8);
      expect(after).toBeLessThan(before);
      // At most one segment per level is left; 400 rows make only a few levels.
      expect(after).toBeLessThanOrEqual(4);
      expect(store.upkeepStep()).toBe('done');
      store.connection.prepare("INSERT INTO aios_memory_fts (aios_memory_fts, rank) VALUES ('integrity-check', 0)").run();
      expect(ranked(store)).toEqual(results);
      // The setting lives in the index's own config table; aigpt's tables carry nothing of it.
      expect(store.connection.prepare("SELECT v FROM aios_memory_fts_config WHERE k = 'usermerge'").pluck().get()).toBe(2);
    } finally {
      store.close();
    }
  });

  it('runs by itself once the store is idle, and not after close', async () => {
    const store = openMemoryStore(file, { upkeep: { idleMs: 30, gapMs: 1 } });
    writeOneByOne(store, 200);
    const written = segments(store.connection);
    // The timer alone (nothing here calls a step): at most one segment per level is left.
    await waitFor(() => segments(store.connection) <= 4, 10_000, 'upkeep to merge');
    expect(written).toBeGreaterThan(4);
    store.close();

    // A second store, closed right after its writes: no step may follow.
    const again = openMemoryStore(file, { upkeep: { idleMs: 30, gapMs: 1 } });
    writeOneByOne(again, 60);
    const left = segments(again.connection);
    again.close();
    const look = new Database(file, { readonly: true });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(segments(look)).toBe(left);
      expect(left).toBeGreaterThan(1);
    } finally {
      look.close();
    }
  });

  it('yields to another connection holding the write lock, at once, and keeps its busy wait', async () => {
    const store = openMemoryStore(file, { upkeep: { idleMs: 20, gapMs: 1 } });
    const other = new Database(file);
    try {
      writeOneByOne(store, 200);
      const before = segments(store.connection);
      other.exec('BEGIN IMMEDIATE');
      other.prepare("INSERT INTO relationship_cache (entity_id, data, cached_at) VALUES ('x', '{}', 'now')").run();
      const t = Date.now();
      // The store waits up to 10 s for a write lock; a step must not wait at all.
      expect(store.upkeepStep()).toBe('busy');
      expect(Date.now() - t).toBeLessThan(1000);
      expect(store.connection.pragma('busy_timeout', { simple: true })).toBe(10_000);
      // The timer's steps meet the same lock and give way: the other writer commits what it wrote.
      await new Promise((r) => setTimeout(r, 100));
      other.exec('COMMIT');
      expect(other.prepare("SELECT data FROM relationship_cache WHERE entity_id = 'x'").pluck().get()).toBe('{}');
      expect(segments(other)).toBe(before);
      // Once the lock is free, the upkeep goes on by itself.
      await waitFor(() => segments(other) < before, 10_000, 'upkeep after the lock');
    } finally {
      other.close();
      store.close();
    }
  });

  it('is not run by a read-only store', () => {
    const store = openMemoryStore(file, { upkeep: { idleMs: 60_000 } });
    writeOneByOne(store, 60);
    store.close();
    const reader = openMemoryStore(file, { readonly: true });
    try {
      expect(() => reader.upkeepStep()).toThrow(expect.objectContaining({ kind: 'readonly' }));
    } finally {
      reader.close();
    }
  });
});
