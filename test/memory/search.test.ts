import Database from 'better-sqlite3';
import fc from 'fast-check';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore;
beforeEach(() => {
  tmp = makeTempDir('aios-search-');
  store = openMemoryStore(tmp.join('memory.db'));
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const ids = (query: string, limit?: number) => store.search(query, limit === undefined ? {} : { limit }).map((h) => h.memory.id);

describe('ranked search', () => {
  it('ranks the more relevant memory first, with a snippet marking the words', () => {
    const weak = store.create('A long note about many things: groceries, the weather, a film, and once, briefly, nginx.');
    const strong = store.create('nginx nginx: configured nginx as a reverse proxy');
    const hits = store.search('nginx');
    expect(hits.map((h) => h.memory.id)).toEqual([strong.id, weak.id]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(hits[0]!.matchedBy).toBe('fts');
    expect(hits[0]!.snippet).toContain('«nginx»');
    expect(store.search('nginx', { snippet: { open: '<b>', close: '</b>' } })[0]!.snippet).toContain('<b>nginx</b>');
  });

  it('cuts a long memory to a window around the match', () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(40);
    store.create(`${filler} the keyword zeppelin is here ${filler}`);
    const [hit] = store.search('zeppelin');
    expect(hit!.snippet.length).toBeLessThan(220);
    expect(hit!.snippet.startsWith('…')).toBe(true);
    expect(hit!.snippet.endsWith('…')).toBe(true);
    expect(hit!.snippet).toContain('«zeppelin»');
  });

  it('matches words as prefixes, case- and accent-insensitively, and in the AI interpretation', () => {
    const a = store.create('Installed PostgreSQL yesterday');
    const b = store.createAi('a quiet evening', { aiInterpretation: 'restful, recharging' });
    const c = store.create('Café au lait every morning');
    expect(ids('install')).toEqual([a.id]);
    expect(ids('postgres')).toEqual([a.id]);
    expect(ids('RECHARG')).toEqual([b.id]);
    expect(ids('cafe')).toEqual([c.id]);
    expect(store.search('recharging')[0]!.snippet).toContain('«recharging»');
  });

  it('needs all words when some memory has them all, else takes any', () => {
    const both = store.create('docker compose file for the blog');
    const one = store.create('docker images take too much disk');
    expect(ids('docker blog')).toEqual([both.id]);
    expect(new Set(ids('docker kubernetes'))).toEqual(new Set([both.id, one.id]));
    expect(ids('"compose file"')).toEqual([both.id]);
    expect(ids('"file compose"')).toEqual([]);
  });

  it('finds Japanese words inside unspaced sentences', () => {
    const j = store.create('今日はいい天気ですね。東京都に住んでいます');
    store.create('明日は雨らしい');
    expect(ids('天気')).toEqual([j.id]);
    expect(ids('東京')).toEqual([j.id]);
    expect(store.search('天気')[0]!.snippet).toContain('«天気»');
  });

  it("falls back to aigpt's substring match when the words match nothing in the index", () => {
    const a = store.create('edit /etc/nginx/nginx.conf then reload');
    const b = store.create('the ratio was 100%');
    expect(store.search('x/ngi').map((h) => [h.memory.id, h.matchedBy])).toEqual([[a.id, 'substring']]);
    expect(store.search('100%').map((h) => h.memory.id)).toEqual([b.id]);
    expect(store.search('0%').map((h) => h.memory.id)).toEqual([b.id]);
    expect(store.search('_')).toEqual([]);
    expect(store.search('')).toHaveLength(2);
  });

  it('respects limit and offset, and ranks only the newest matches of a very common word', () => {
    const made = Array.from({ length: 30 }, (_, i) => store.create(`common word number ${i}`));
    expect(ids('common', 10)).toHaveLength(10);
    const all = ids('common', 100);
    expect(new Set(all)).toEqual(new Set(made.map((m) => m.id)));
    expect(store.search('common', { limit: 5, offset: 5 }).map((h) => h.memory.id)).toEqual(all.slice(5, 10));
    const capped = store.search('common', { maxCandidates: 8, limit: 3 });
    expect(capped).toHaveLength(3);
    expect(capped.every((h) => h.capped)).toBe(true);
    const newest8 = new Set(made.slice(-8).map((m) => m.id));
    expect(capped.every((h) => newest8.has(h.memory.id))).toBe(true);
    // Asking for more rows than the cap ranks as many as asked for.
    expect(store.search('common', { maxCandidates: 8, limit: 12 })).toHaveLength(12);
    expect(store.search('number 7', { limit: 100 }).every((h) => !h.capped)).toBe(true);
  });
});

describe('keeping the index in step with writers that are not this store', () => {
  const VOCAB = ['apple', 'birch', 'cedar', 'delta', 'ember', 'fjord', 'grove', 'heron'];

  it('after any mix of writes by this store and by another connection, search equals a scan', () => {
    const other = new Database(tmp.join('memory.db'), { timeout: 10_000 });
    const text = fc.array(fc.constantFrom(...VOCAB), { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('create' as const), text }),
      fc.record({ kind: fc.constant('update' as const), text, pick: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('otherInsert' as const), text, interp: fc.option(text, { nil: null }) }),
      fc.record({ kind: fc.constant('otherUpdate' as const), text, pick: fc.nat(), touch: fc.boolean() }),
      fc.record({ kind: fc.constant('otherDelete' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('search' as const), word: fc.constantFrom(...VOCAB) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), fc.constantFrom(...VOCAB), (ops, finalWord) => {
        other.exec('DELETE FROM memories');
        store.syncIndex();
        const live = (): string[] => other.prepare('SELECT id FROM memories ORDER BY rowid').pluck().all() as string[];
        const pickId = (n: number): string | undefined => {
          const l = live();
          return l.length ? l[n % l.length] : undefined;
        };
        const at = '2025-11-06T10:02:27.5+00:00';
        for (const o of ops) {
          if (o.kind === 'create') store.create(o.text);
          else if (o.kind === 'update') {
            const id = pickId(o.pick);
            if (id) store.update(id, o.text);
          } else if (o.kind === 'delete') {
            const id = pickId(o.pick);
            if (id) store.delete(id);
          } else if (o.kind === 'otherInsert')
            other
              .prepare('INSERT INTO memories (id, content, ai_interpretation, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
              .run(ulid(), o.text, o.interp, at, at);
          else if (o.kind === 'otherUpdate') {
            const id = pickId(o.pick);
            if (id)
              other
                .prepare(
                  o.touch
                    ? "UPDATE memories SET content = ?, updated_at = '2026-01-01T00:00:00+00:00' WHERE id = ?"
                    : 'UPDATE memories SET content = ? WHERE id = ?',
                )
                .run(o.text, id);
          } else if (o.kind === 'otherDelete') {
            const id = pickId(o.pick);
            if (id) other.prepare('DELETE FROM memories WHERE id = ?').run(id);
          } else store.search(o.word);
        }
        const rows = other.prepare('SELECT id, content, ai_interpretation FROM memories').all() as {
          id: string;
          content: string;
          ai_interpretation: string | null;
        }[];
        const expected = rows
          .filter((r) => `${r.content} ${r.ai_interpretation ?? ''}`.split(' ').includes(finalWord))
          .map((r) => r.id)
          .sort();
        const got = store
          .search(finalWord, { limit: 1000 })
          .filter((h) => h.matchedBy === 'fts')
          .map((h) => h.memory.id)
          .sort();
        return JSON.stringify(got) === JSON.stringify(expected) && store.indexedCount() === rows.length;
      }),
      { numRuns: 60 },
    );
    other.close();
    store.connection.prepare("INSERT INTO aios_memory_fts(aios_memory_fts, rank) VALUES ('integrity-check', 0)").run();
  });

  it('does no comparison at all while nobody else has written', () => {
    store.create('one');
    store.search('one');
    expect(store.syncIndex().skipped).toBe(true);
    store.create('two');
    expect(store.syncIndex().skipped).toBe(true);
    const other = new Database(tmp.join('memory.db'));
    other
      .prepare(
        "INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, 'three', '2025-11-06T10:02:27+00:00', '2025-11-06T10:02:27+00:00')",
      )
      .run(ulid());
    other.close();
    expect(store.syncIndex()).toEqual({ skipped: false, added: 1, updated: 0, removed: 0 });
  });

  it('indexes a large file written by someone else in batches, and every row is found', () => {
    const other = new Database(tmp.join('memory.db'));
    const insert = other.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)');
    other.transaction(() => {
      for (let i = 0; i < 12_000; i++)
        insert.run(ulid(), `bulk row ${i} token${i % 100}`, '2025-11-06T10:02:27+00:00', '2025-11-06T10:02:27+00:00');
    })();
    other.close();
    expect(store.syncIndex()).toMatchObject({ added: 12_000 });
    expect(store.search('token42', { limit: 1000 })).toHaveLength(120);
    expect(store.indexedCount()).toBe(12_000);
  });

  it('searches by substring when the file is read-only and its index is behind', () => {
    const file = tmp.join('memory.db');
    store.create('indexed sparrow');
    const other = new Database(file);
    other
      .prepare(
        "INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, 'unindexed sparrow', '2025-11-06T10:02:27+00:00', '2025-11-06T10:02:27+00:00')",
      )
      .run(ulid());
    other.close();
    const ro = openMemoryStore(file, { readonly: true });
    try {
      const hits = ro.search('sparrow');
      expect(hits.map((h) => h.memory.content).sort()).toEqual(['indexed sparrow', 'unindexed sparrow']);
      expect(hits.every((h) => h.matchedBy === 'substring')).toBe(true);
    } finally {
      ro.close();
    }
  });
});
