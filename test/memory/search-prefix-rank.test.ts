import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { MAPPED_READ_BYTES } from '../../src/core/memory/mapped-reads';
import { mulberry32 } from '../../bench/lib/stats';
import { syllableWords, zipfPicker } from '../../bench/lib/zipf-words';
import { makeTempDir, type TempDir } from '../support/temp';

/**
 * The bench's slowest class, a word and the first four letters of another
 * ("sarnasarvo gens"), over a corpus made the bench's way (words of two to
 * four syllables, Zipf-distributed, so short prefixes start words in most
 * memories). The searching connection reads the file through a memory map;
 * the ranked top 20 (memories, order, scores, snippets) must be exactly what
 * the same search returns reading the file without it.
 */
const rnd = mulberry32(20251205);
const VOCAB = syllableWords(rnd, 3000);
/** Zipf(s = 1.07) over the vocabulary: a few words everywhere, most words rare. */
const zipfWord = zipfPicker(rnd, VOCAB);
const text = (): string => Array.from({ length: 8 + Math.floor(rnd() * 20) }, zipfWord).join(' ');

let tmp: TempDir;
let store: MemoryStore;
beforeAll(() => {
  tmp = makeTempDir('aios-search-prefix-');
  // A small common threshold, so a corpus of thousands has common words, common prefixes and uncommon words.
  store = openMemoryStore(tmp.join('memory.db'), { commonPhraseMatches: 200, upkeep: false });
  store.connection.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < 6000; i++) store.create(text());
  store.connection.exec('COMMIT');
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

const matchCount = (phrase: string) =>
  store.connection.prepare('SELECT count(*) FROM aios_memory_fts WHERE aios_memory_fts MATCH ?').pluck().get(phrase) as number;

describe('a word and a prefix, ranked', () => {
  it('reads the memory file through a memory map on the searching connection', () => {
    expect(store.connection.pragma('mmap_size', { simple: true })).toBe(MAPPED_READ_BYTES);
  });

  it('returns the same top 20, in the same order with the same scores and snippets, as without the map', () => {
    const queries: string[] = [];
    for (let i = 0; i < 150; i++) {
      const word = VOCAB[30 + Math.floor(rnd() * 600)]!;
      queries.push(`${word} ${VOCAB[Math.floor(rnd() * 300)]!.slice(0, 4)}`);
    }
    // At the default cap (500) and at a small one, which caps most of these queries' candidates.
    const ranked = () =>
      [60, 500].flatMap((maxCandidates) =>
        queries.map((q) =>
          store
            .search(q, { limit: 20, maxCandidates })
            .map((h) => ({ id: h.memory.id, score: h.score, snippet: h.snippet, by: h.matchedBy, capped: h.capped })),
        ),
      );
    const mapped = ranked();
    store.connection.pragma('mmap_size = 0');
    try {
      expect(ranked()).toEqual(mapped);
    } finally {
      store.connection.pragma(`mmap_size = ${MAPPED_READ_BYTES}`);
    }
    // The comparison covered what the class exercises: full pages, common prefixes with uncommon words, capped candidates.
    expect(mapped.filter((hits) => hits.length === 20).length).toBeGreaterThan(100);
    const commonPrefixes = queries.filter((q) => matchCount(`"${q.split(' ')[1]!}"*`) > 200).length;
    const uncommonWords = queries.filter((q) => matchCount(`"${q.split(' ')[0]!}"`) <= 200).length;
    expect(commonPrefixes).toBeGreaterThan(50);
    expect(uncommonWords).toBeGreaterThan(50);
    expect(mapped.filter((hits) => hits.some((h) => h.capped)).length).toBeGreaterThan(30);
  });
});
