import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { rankedCandidates, Ranker, type Candidates, type CommonPhrases } from '../../src/core/memory/rank';
import { parseQuery } from '../../src/core/memory/text';
import { mulberry32 } from '../../bench/lib/stats';
import { makeTempDir, type TempDir } from '../support/temp';

/**
 * The ranking must not change where it need not: a search whose words are
 * not common ranks exactly as bm25 over the newest matches did before
 * (compared here with that query, run directly). Where a word is common,
 * the same newest matches are returned, ordered by the other words' bm25.
 */
const rnd = mulberry32(42);
const VOCAB = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x${'abcdefghij'[i % 10]}`);
const zipf = (): string => VOCAB[Math.min(VOCAB.length - 1, Math.floor(Math.pow(rnd(), 2.2) * VOCAB.length))]!;
const text = (): string => Array.from({ length: 4 + Math.floor(rnd() * 14) }, zipf).join(' ');

let tmp: TempDir;
let store: MemoryStore;
beforeAll(() => {
  tmp = makeTempDir('aios-search-rank-');
  store = openMemoryStore(tmp.join('memory.db'));
  store.connection.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < 3000; i++) {
    if (i % 7 === 0) store.createAi(text(), { aiInterpretation: text() });
    else store.create(text());
  }
  store.connection.exec('COMMIT');
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

/** What search ranked by before: bm25 over the newest `cap` matches, best first, newest first among equals. */
function before(match: string, cap: number): number[] {
  const rows = store.connection
    .prepare(
      `SELECT rowid, bm25(aios_memory_fts, 1.0, 0.5) AS score FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
    )
    .all(match, cap) as { rowid: number; score: number }[];
  return rows.sort((a, b) => a.score - b.score || b.rowid - a.rowid).map((r) => r.rowid);
}
const rowidOf = (id: string) => store.connection.prepare('SELECT rowid FROM memories WHERE id = ?').pluck().get(id) as number;
const matchCount = (phrase: string) =>
  store.connection.prepare('SELECT count(*) FROM aios_memory_fts WHERE aios_memory_fts MATCH ?').pluck().get(phrase) as number;

describe('ranking at any size', () => {
  it('ranks the top 20 exactly as before for every word that is not common, through search()', () => {
    let compared = 0;
    for (const word of VOCAB) {
      const got = store
        .search(word, { limit: 20 })
        .filter((h) => h.matchedBy === 'fts')
        .map((h) => rowidOf(h.memory.id));
      const want = before(`"${word}"`, 500).slice(0, 20);
      expect(got, word).toEqual(want);
      if (want.length > 0) compared++;
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('ranks two-word queries as before when neither word is common', () => {
    const ranker = new Ranker(store.connection, 5000);
    for (let i = 0; i < 200; i++) {
      const a = `"${zipf()}"`;
      const b = `"${zipf()}"`;
      for (const join of ['AND', 'OR'] as const) {
        const match = `${a} ${join} ${b}`;
        const got = ranker
          .candidates([a, b], join, 500)
          .rows.sort((x, y) => x.score - y.score || y.rowid - x.rowid)
          .map((r) => r.rowid);
        expect(got.slice(0, 20), match).toEqual(before(match, 500).slice(0, 20));
      }
    }
  });

  it('with a common word, returns the same newest matches, ranked by the other word', () => {
    const common = VOCAB[0]!;
    expect(matchCount(`"${common}"`)).toBeGreaterThan(300);
    const ranker = new Ranker(store.connection, 300);
    let checked = 0;
    for (const rare of VOCAB.slice(200)) {
      const match = `"${common}" AND "${rare}"`;
      const { rows, capped } = ranker.candidates([`"${common}"`, `"${rare}"`], 'AND', 50);
      const newest = store.connection
        .prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT 50')
        .pluck()
        .all(match) as number[];
      expect(new Set(rows.map((r) => r.rowid))).toEqual(new Set(newest));
      expect(capped).toBe(matchCount(match) > 50);
      if (rows.length < 2) continue;
      // The order is bm25 by the rare word alone, over the same rows.
      const byRare = new Map(
        (
          store.connection
            .prepare('SELECT rowid, bm25(aios_memory_fts, 1.0, 0.5) AS s FROM aios_memory_fts WHERE aios_memory_fts MATCH ?')
            .all(`"${rare}"`) as { rowid: number; s: number }[]
        ).map((r) => [r.rowid, r.s]),
      );
      for (const r of rows) expect(r.score).toBeCloseTo(byRare.get(r.rowid)!, 9);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    // Every word common: the newest matches first.
    const all = ranker.candidates([`"${common}"`], 'AND', 20);
    expect(all.capped).toBe(true);
    expect(all.rows.map((r) => r.rowid)).toEqual(
      store.connection
        .prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT 20')
        .pluck()
        .all(`"${common}"`),
    );
  });

  it('with a common word or prefix, ranks exactly as the newest matches scored by the other words did before', () => {
    // What candidates() did before: the newest cap + 1 matches of the whole expression read backwards, scored by
    // bm25 of the uncommon phrases over every match of theirs between the oldest and newest candidate.
    const reference = (phrases: string[], common: number, cap: number) => {
      const db = store.connection;
      const isCommon = (p: string) =>
        db.prepare('SELECT 1 FROM aios_memory_fts WHERE aios_memory_fts MATCH ? LIMIT 1 OFFSET ?').pluck().get(p, common) !== undefined;
      const rare = phrases.filter((p) => !isCommon(p));
      const newest = db
        .prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?')
        .pluck()
        .all(phrases.join(' AND '), cap + 1) as number[];
      const capped = newest.length > cap;
      if (capped) newest.pop();
      const scores = new Map<number, number>();
      if (newest.length > 0 && rare.length > 0) {
        const rows = db
          .prepare(
            `SELECT rowid, bm25(aios_memory_fts, 1.0, 0.5) AS score FROM aios_memory_fts
             WHERE aios_memory_fts MATCH ? AND rowid BETWEEN ? AND ?`,
          )
          .all(rare.join(' OR '), newest[newest.length - 1], newest[0]) as { rowid: number; score: number }[];
        for (const r of rows) scores.set(r.rowid, r.score);
      }
      const rows = newest.map((rowid) => ({ rowid, score: scores.get(rowid) ?? 0 }));
      return { rows: rows.sort((a, b) => a.score - b.score || b.rowid - a.rowid), capped };
    };
    const common = 300;
    const ranker = new Ranker(store.connection, common);
    // Pairs at three caps. Uncommon words from a few matches to just under the threshold; common words and short prefixes matching most rows.
    const byCount = VOCAB.map((w) => ({ w, n: matchCount(`"${w}"`) })).filter((x) => x.n > 0);
    const uncommon = byCount.filter((x) => x.n <= common).map((x) => `"${x.w}"`);
    const commonOnes = [...byCount.filter((x) => x.n > common).map((x) => `"${x.w}"`), '"w1"*', '"w2x"*', '"w"*'];
    expect(uncommon.length).toBeGreaterThan(100);
    expect(commonOnes.length).toBeGreaterThan(5);
    let compared = 0;
    let multiRange = 0;
    const counts = new Map(byCount.map((x) => [`"${x.w}"`, x.n]));
    for (let i = 0; i < 80; i++) {
      const a = uncommon[Math.floor(rnd() * uncommon.length)]!;
      const b = commonOnes[Math.floor(rnd() * commonOnes.length)]!;
      for (const cap of [5, 60, 500]) {
        const got = ranker.candidates([a, b], 'AND', cap);
        const want = reference([a, b], common, cap);
        expect(got.capped, `${a} ${b} ${cap}`).toBe(want.capped);
        expect(got.rows.sort((x, y) => x.score - y.score || y.rowid - x.rowid).slice(0, 20), `${a} ${b} ${cap}`).toEqual(
          want.rows.slice(0, 20),
        );
        if (want.rows.length > 0) compared++;
        if (counts.get(a)! > cap + 1) multiRange++;
      }
    }
    expect(compared).toBeGreaterThan(150);
    expect(multiRange).toBeGreaterThan(60);
  });

  it('finds the same newest matches when a word checked as uncommon has become common since (another writer)', () => {
    // The statements of one search are separate reads: a foreign commit between the check and the read may make
    // an uncommon word common. Its matches then say less about where the newest of the conjunction lie, but the
    // candidates must still be exactly the newest ones.
    const common = 300;
    const ranker = new Ranker(store.connection, common);
    const words = VOCAB.filter((w) => matchCount(`"${w}"`) > common + 50).slice(0, 6);
    expect(words.length).toBe(6);
    for (let i = 0; i + 1 < words.length; i++) {
      const a = `"${words[i]}"`;
      const b = `"${words[i + 1]}"`;
      const match = `${a} AND ${b}`;
      for (const cap of [5, 60]) {
        // What the search learned before the other writer's commit: `a` uncommon, `b` common.
        const known = new Map([
          [a, false],
          [b, true],
        ]);
        const got = ranker.candidates([a, b], 'AND', cap, known);
        const newest = store.connection
          .prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?')
          .pluck()
          .all(match, cap) as number[];
        expect(got.rows.map((r) => r.rowid)).toEqual(newest);
        expect(got.capped, match).toBe(matchCount(match) > cap);
      }
    }
  });

  it('picks and scores the same candidates as the passes run in turn, scored each time', () => {
    // What the search did before the words as typed were first only counted: every pass ranked in turn.
    const reference = (ranker: Ranker, query: string, wanted: number, cap: number): Candidates => {
      const phrases = parseQuery(query).phrases;
      const exact = phrases.map((p) => p.exact);
      const known: CommonPhrases = new Map();
      let best = ranker.candidates(exact, 'AND', cap, known);
      if (best.rows.length >= wanted || best.capped) return best;
      const last = phrases.length - 1;
      const widened = phrases.map((p, i) => (p.prefix !== p.exact && (i === last || !ranker.matchesAny(p.exact)) ? p.prefix : p.exact));
      if (widened.some((p, i) => p !== exact[i])) {
        const found = ranker.candidates(widened, 'AND', cap, known);
        if (found.rows.length > best.rows.length) best = found;
        if (best.rows.length >= wanted || best.capped) return best;
      }
      if (best.rows.length > 0 || widened.length < 2) return best;
      return ranker.candidates(widened, 'OR', cap, known);
    };
    const ranker = new Ranker(store.connection, 300);
    // Pairs of rare words (few memories hold both as typed) with the second cut to a prefix that finds the same
    // memories, or more; and pairs that match nothing together, so any one will do.
    const rareWords = VOCAB.filter((w) => matchCount(`"${w}"`) > 0).slice(-120);
    let fewAsTyped = 0;
    for (let i = 0; i < 400; i++) {
      const a = rareWords[Math.floor(rnd() * rareWords.length)]!;
      const b = rareWords[Math.floor(rnd() * rareWords.length)]!;
      const query = `${a} ${b.slice(0, 3 + Math.floor(rnd() * (b.length - 2)))}`;
      for (const wanted of [1, 20]) {
        const want = reference(ranker, query, wanted, 500);
        expect(rankedCandidates(ranker, parseQuery(query).phrases, wanted, 500), query).toEqual(want);
        if (
          wanted === 20 &&
          ranker.countUpTo(
            parseQuery(query).phrases.map((p) => p.exact),
            20,
          ) > 0
        )
          fewAsTyped++;
      }
    }
    expect(fewAsTyped).toBeGreaterThan(10);

    // The prefix finds the same memories as the words as typed, but weighs them otherwise (more of the words
    // it starts, in other memories too): the words as typed, scored as such, are what is returned.
    const s = openMemoryStore(tmp.join('few.db'));
    try {
      s.create('alpha beta betamax');
      s.create('alpha beta');
      for (let i = 0; i < 5; i++) s.create(`betamax tape ${i}`);
      const r = new Ranker(s.connection, 300);
      const want = reference(r, 'alpha beta', 20, 500);
      expect(want.rows).toHaveLength(2);
      expect(rankedCandidates(r, parseQuery('alpha beta').phrases, 20, 500)).toEqual(want);
      expect(r.candidates(['"alpha"', '"beta"*'], 'AND', 500).rows).not.toEqual(want.rows);
    } finally {
      s.close();
    }
  });

  it('takes the last word, and a word found nowhere as typed, as a prefix; other words as words', () => {
    const s = openMemoryStore(tmp.join('prefix.db'));
    try {
      const a = s.create('postgres tuning notes');
      const b = s.create('PostgreSQL upgrade to 17');
      expect(
        s
          .search('postg')
          .map((h) => h.memory.id)
          .sort(),
      ).toEqual([a.id, b.id].sort());
      // Not the last word and found as typed: "postgres" stays a word here.
      expect(s.search('postgres tuning').map((h) => h.memory.id)).toEqual([a.id]);
      expect(s.search('upgrade postgr').map((h) => h.memory.id)).toEqual([b.id]);
      const c = s.create('tuning the kernel');
      // "tuning" is found as typed, so it is not widened to "tuningxyz…"; "kern" is the last word.
      expect(s.search('tuning kern').map((h) => h.memory.id)).toEqual([c.id]);
      expect(s.search('tunin kernel').map((h) => h.memory.id)).toEqual([c.id]);
    } finally {
      s.close();
    }
  });
});
