import type Database from 'better-sqlite3';
import type { QueryPhrase } from './text';

/**
 * Ranked candidates for a full-text search, at a cost that does not grow
 * with the table.
 *
 * FTS5's bm25 weighs each phrase by how many memories contain it, which it
 * counts by reading every match of the phrase: a word found in most of a
 * million memories costs tens of milliseconds per query, even when the query
 * as a whole matches a handful. So:
 *  - each phrase is probed for whether it matches more than `common`
 *    memories (reading at most that many entries);
 *  - when none does, the newest `cap` matches are scored by bm25 exactly as
 *    before;
 *  - otherwise the newest `cap` matches are read without scores, and bm25
 *    scores those candidates (only them) by the phrases that are not common
 *    (a common word tells little about relevance: bm25 gives it almost no
 *    weight anyway), and when every phrase is common the newest matches come
 *    first. `capped` says when more matched than were ranked.
 *    When all the phrases must match and one is not common, its matches say
 *    where the candidates can lie, and the rest are read forwards over those
 *    ranges (see `newestOfAll`): a common phrase, such as a short prefix in
 *    most memories, may have to be read over most of the table.
 */

export interface Candidate {
  rowid: number;
  /** bm25: lower is better; 0 when ranked by recency. */
  score: number;
}

export interface Candidates {
  rows: Candidate[];
  /** More matches exist than were ranked (the newest `cap` were). */
  capped: boolean;
}

/** What one search already found out about which phrases are common (one search asks for candidates up to three times). */
export type CommonPhrases = Map<string, boolean>;

/** A phrase matching more memories than this is common: weighing it would cost a read of all its matches. */
export const COMMON_PHRASE_MATCHES = 5000;

export class Ranker {
  private readonly stmts;

  constructor(
    db: Database.Database,
    private readonly common = COMMON_PHRASE_MATCHES,
  ) {
    this.stmts = {
      newest: db.prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?').pluck(),
      oldest: db.prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid LIMIT ?').pluck(),
      // FTS5 applies a rowid bound only when it is an INTEGER; better-sqlite3 binds numbers as REAL.
      forwardBetween: db
        .prepare(
          `SELECT rowid FROM aios_memory_fts
           WHERE aios_memory_fts MATCH ? AND rowid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER) ORDER BY rowid`,
        )
        .pluck(),
      beyond: db.prepare('SELECT 1 FROM aios_memory_fts WHERE aios_memory_fts MATCH ? LIMIT 1 OFFSET ?').pluck(),
      countUpTo: db.prepare('SELECT count(*) FROM (SELECT 1 FROM aios_memory_fts WHERE aios_memory_fts MATCH ? LIMIT ?)').pluck(),
      scored: db.prepare(
        `SELECT rowid, bm25(aios_memory_fts, 1.0, 0.5) AS score FROM aios_memory_fts
         WHERE aios_memory_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
      ),
      // Only the candidates are scored: bm25 reads a row's sizes and positions, which for every match
      // of the phrases in the candidates' range (sparse candidates span the table) cost milliseconds.
      // `+rowid` keeps the list away from FTS5, which would run the match once per rowid; SQLite
      // filters the phrases' matches by it before calling bm25. FTS5 applies the range itself, but
      // only when its bounds are INTEGERs (better-sqlite3 binds numbers as REAL).
      scoredAmong: db.prepare(
        `SELECT rowid, bm25(aios_memory_fts, 1.0, 0.5) AS score FROM aios_memory_fts
         WHERE aios_memory_fts MATCH ? AND rowid BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER)
           AND +rowid IN (SELECT value FROM json_each(?))`,
      ),
    };
  }

  /**
   * Up to `cap` of the newest memories matching all of `phrases` (`join`
   * AND) or any (`join` OR), with their scores. `known` carries what earlier
   * calls of the same search learned about the phrases.
   */
  candidates(phrases: readonly string[], join: 'AND' | 'OR', cap: number, known: CommonPhrases = new Map()): Candidates {
    const match = phrases.join(` ${join} `);
    const unique = [...new Set(phrases)];
    const rare = unique.filter((p) => !this.isCommon(p, known));
    if (rare.length === unique.length) {
      const rows = this.stmts.scored.all(match, cap) as Candidate[];
      return { rows, capped: rows.length >= cap };
    }
    const newest =
      join === 'AND' && rare.length > 0 ? this.newestOfAll(match, rare[0]!, cap + 1) : (this.stmts.newest.all(match, cap + 1) as number[]);
    const capped = newest.length > cap;
    if (capped) newest.pop();
    if (newest.length === 0 || rare.length === 0) return { rows: newest.map((rowid) => ({ rowid, score: 0 })), capped };
    const scores = new Map<number, number>();
    // The uncommon phrases match at most `common` memories each: reading their matches is cheap, scoring them is not.
    for (const r of this.stmts.scoredAmong.all(
      rare.join(' OR '),
      newest[newest.length - 1],
      newest[0],
      JSON.stringify(newest),
    ) as Candidate[])
      scores.set(r.rowid, r.score);
    return { rows: newest.map((rowid) => ({ rowid, score: scores.get(rowid) ?? 0 })), capped };
  }

  /**
   * The newest `want` matches of a conjunction that includes the uncommon
   * `rare`, newest first: what `ORDER BY rowid DESC LIMIT want` gives, for
   * half the work. Reading a common phrase's matches backwards costs FTS5
   * about twice what reading them forwards does, and a conjunction with an
   * uncommon phrase may have to read most of them to find its newest few
   * hundred. Every match of the conjunction is a match of `rare`, whose
   * matches (at most `common`) are cheap to list, so the conjunction is read
   * forwards over rowid ranges bounded by them, newest range first, each
   * range as wide as the matches found so far say the rest needs.
   */
  private newestOfAll(match: string, rare: string, want: number): number[] {
    const bounds = this.everyMatch(rare);
    const found: number[] = [];
    let covered = 0;
    let above = Number.MAX_SAFE_INTEGER;
    while (covered < bounds.length && found.length < want) {
      const missing = want - found.length;
      // Matches found per row of `rare` covered so far (at least 1 in 20, so the range grows quickly when few match).
      const density = covered === 0 ? 1 : Math.max(found.length / covered, 0.05);
      covered = Math.min(bounds.length, covered + Math.ceil((missing / density) * 1.25));
      const from = covered === bounds.length ? Number.MIN_SAFE_INTEGER : bounds[covered - 1]!;
      const rows = this.stmts.forwardBetween.all(match, from, above) as number[];
      for (let i = rows.length - 1; i >= 0; i--) found.push(rows[i]!);
      above = from - 1;
    }
    return found.slice(0, want);
  }

  /**
   * Every match of an uncommon phrase, newest first. They are read forwards
   * and reversed: FTS5 reads a list backwards at about twice the cost. Should
   * the phrase have become common since it was checked (another process
   * wrote meanwhile), its newest `common + 1` are read instead.
   */
  private everyMatch(rare: string): number[] {
    const rows = this.stmts.oldest.all(rare, this.common + 1) as number[];
    return rows.length > this.common ? (this.stmts.newest.all(rare, this.common + 1) as number[]) : rows.reverse();
  }

  /** True when `phrase` alone matches more than `common` memories (reads at most that many index entries). */
  private isCommon(phrase: string, known: CommonPhrases): boolean {
    let common = known.get(phrase);
    if (common === undefined) known.set(phrase, (common = this.stmts.beyond.get(phrase, this.common) !== undefined));
    return common;
  }

  /** How many memories match all of `phrases`, counted no further than `limit` (no scores: a forward read of at most that many). */
  countUpTo(phrases: readonly string[], limit: number): number {
    return this.stmts.countUpTo.get(phrases.join(' AND '), limit) as number;
  }

  /** True when `phrase` matches at least one memory as it stands. */
  matchesAny(phrase: string): boolean {
    return this.stmts.beyond.get(phrase, 0) !== undefined;
  }
}

/**
 * The ranked candidates of a search. Every word as typed first: cheapest, and
 * enough for most queries. When that finds too little, the last word
 * (perhaps still being typed) and words that match nothing as typed are
 * taken as prefixes ("postgr" finds "PostgreSQL"); other words found as typed
 * stay words, since a prefix longer than the index's prefix lengths merges
 * the lists of every word it starts. When no memory has them all, any of them
 * will do.
 *
 * When there are several words, the last may be taken as a prefix, and the
 * words as typed match fewer than `wanted` memories together, those few are
 * only counted at first: the prefixes usually find more, and scoring the few
 * first cost bm25 a read of every match of each word (its weight) for
 * nothing. They are scored when they are what the search returns.
 */
export function rankedCandidates(ranker: Ranker, phrases: readonly QueryPhrase[], wanted: number, cap: number): Candidates {
  const exact = phrases.map((p) => p.exact);
  const known: CommonPhrases = new Map();
  const last = phrases.length - 1;
  const asTypedCount = last > 0 && phrases[last]!.prefix !== phrases[last]!.exact ? ranker.countUpTo(exact, wanted) : wanted;
  let best: Candidates | undefined;
  const asTyped = (): Candidates => (best ??= ranker.candidates(exact, 'AND', cap, known));
  if (asTypedCount >= wanted && (asTyped().rows.length >= wanted || asTyped().capped)) return asTyped();
  const widened = phrases.map((p, i) => (p.prefix !== p.exact && (i === last || !ranker.matchesAny(p.exact)) ? p.prefix : p.exact));
  if (widened.some((p, i) => p !== exact[i])) {
    const found = ranker.candidates(widened, 'AND', cap, known);
    if (found.rows.length > (best?.rows.length ?? asTypedCount)) best = found;
    const kept = asTyped();
    if (kept.rows.length >= wanted || kept.capped) return kept;
  }
  const kept = asTyped();
  if (kept.rows.length > 0 || widened.length < 2) return kept;
  return ranker.candidates(widened, 'OR', cap, known);
}
