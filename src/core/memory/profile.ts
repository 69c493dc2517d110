import type Database from 'better-sqlite3';
import { writeTransaction } from './connection';
import { formatDbTimestamp, formatJsonTimestamp, instantMs, newUlid, nowInstant, parseTimestamp, toF32 } from './format';
import type { BigFive, Memory, UserAnalysis } from './types';

/**
 * aigpt's Layer 3 (Big Five analysis) and Layer 3.5 (integrated profile),
 * computed by the same rules as aigpt's November 2025 build, and cached in
 * `user_profiles` in the JSON shape aigpt reads back.
 */

export interface LayerSource {
  db: Database.Database;
  /** Every memory, newest first (aigpt's `list()`). */
  allMemories(): Memory[];
  count(): number;
}

export interface TraitScore {
  name: string;
  score: number;
}

/** serde's field order for aigpt's `UserProfile`, so aigpt can parse what aios caches. */
export interface UserProfile {
  dominant_traits: TraitScore[];
  core_interests: string[];
  core_values: string[];
  key_memory_ids: string[];
  data_quality: number;
  /** JSON form (`…Z`). */
  last_updated: string;
}

const TRAITS = ['openness', 'conscientiousness', 'extraversion', 'agreeableness', 'neuroticism'] as const;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

export function saveAnalysis(src: LayerSource, scores: BigFive, summary: string): UserAnalysis {
  const values = Object.fromEntries(TRAITS.map((t) => [t, toF32(clamp01(scores[t]))])) as unknown as BigFive;
  const analysis: UserAnalysis = { id: newUlid(), ...values, summary, analyzedAt: formatDbTimestamp(nowInstant()) };
  writeTransaction(src.db, () => {
    src.db
      .prepare(
        `INSERT INTO user_analyses (id, openness, conscientiousness, extraversion, agreeableness, neuroticism, summary, analyzed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        analysis.id,
        values.openness,
        values.conscientiousness,
        values.extraversion,
        values.agreeableness,
        values.neuroticism,
        summary,
        analysis.analyzedAt,
      );
  });
  return analysis;
}

export function latestAnalysis(db: Database.Database): UserAnalysis | undefined {
  const row = db
    .prepare(
      `SELECT id, openness, conscientiousness, extraversion, agreeableness, neuroticism, summary, analyzed_at
       FROM user_analyses ORDER BY analyzed_at DESC LIMIT 1`,
    )
    .get() as (BigFive & { id: string; summary: string; analyzed_at: string }) | undefined;
  if (!row) return undefined;
  const { analyzed_at, ...rest } = row;
  return { ...rest, analyzedAt: analyzed_at };
}

/** aigpt's `dominant_trait()`: the highest score; on a tie the later trait wins (Rust's `max_by`). */
export function dominantTrait(a: BigFive): string {
  let best: (typeof TRAITS)[number] = TRAITS[0];
  for (const t of TRAITS) if (a[t] >= a[best]) best = t;
  return best.charAt(0).toUpperCase() + best.slice(1);
}

const STOPWORDS = new Set([
  'the',
  'a',
  'an',
  'and',
  'or',
  'but',
  'in',
  'on',
  'at',
  'to',
  'for',
  'of',
  'with',
  'by',
  'from',
  'as',
  'is',
  'was',
  'are',
  'were',
  'been',
  'be',
  'have',
  'has',
  'had',
  'do',
  'does',
  'did',
  'will',
  'would',
  'could',
  'should',
  'may',
  'might',
  'can',
  'this',
  'that',
  'these',
  'those',
  'です',
  'ます',
  'ました',
  'である',
  'ある',
  'いる',
  'する',
  'した',
  'という',
  'として',
  'ために',
  'によって',
  'について',
]);

const VALUE_INDICATORS = [
  '重視',
  '大切',
  '価値',
  '重要',
  '優先',
  '好む',
  '志向',
  'シンプル',
  '効率',
  '品質',
  '安定',
  '革新',
  '創造',
  'value',
  'important',
  'priority',
  'prefer',
  'focus',
  'simple',
  'efficient',
  'quality',
  'stable',
  'creative',
];

const EDGE_RE = /^[^\p{Alphabetic}\p{N}]+|[^\p{Alphabetic}\p{N}]+$/gu;

/**
 * aigpt's keyword rule: whitespace-separated words longer than 3 UTF-8
 * bytes, lower-cased, trimmed of non-alphanumerics, minus stopwords. (aigpt
 * also counts the empty string a word of punctuation trims to; aios does not.)
 */
export function extractKeywords(text: string): string[] {
  return text
    .split(/\s+/u)
    .filter((w) => Buffer.byteLength(w, 'utf8') > 3)
    .map((w) => w.toLowerCase().replace(EDGE_RE, ''))
    .filter((w) => w.length > 0 && !STOPWORDS.has(w));
}

function topByCount(counts: Map<string, number>, n: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([w]) => w);
}

function bump(counts: Map<string, number>, word: string, by: number): void {
  counts.set(word, (counts.get(word) ?? 0) + by);
}

export function generateProfile(memories: Memory[], analysis: UserAnalysis | undefined, now = nowInstant()): UserProfile {
  const dominant = analysis
    ? TRAITS.map((name) => ({ name, score: analysis[name] }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 3)
    : [];
  const interests = new Map<string, number>();
  for (const m of memories) {
    for (const w of extractKeywords(m.content)) bump(interests, w, 1);
    if (m.aiInterpretation !== null) for (const w of extractKeywords(m.aiInterpretation)) bump(interests, w, 2);
  }
  const values = new Map<string, number>();
  for (const m of memories) {
    if (m.priorityScore === null || toF32(m.priorityScore) < toF32(0.7) || m.aiInterpretation === null) continue;
    for (const w of extractKeywords(m.aiInterpretation)) if (VALUE_INDICATORS.some((v) => w.includes(v))) bump(values, w, 1);
  }
  const keyIds = memories
    .filter((m) => m.priorityScore !== null)
    .sort((a, b) => (b.priorityScore ?? 0) - (a.priorityScore ?? 0))
    .slice(0, 10)
    .map((m) => m.id);
  const quality = Math.min(1, Math.min(memories.length / 50, 1) * 0.5 + (analysis ? 0.5 : 0));
  return {
    dominant_traits: dominant.map((t) => ({ name: t.name, score: toF32(t.score) })),
    core_interests: topByCount(interests, 5),
    core_values: topByCount(values, 5),
    key_memory_ids: keyIds,
    data_quality: toF32(quality),
    last_updated: formatJsonTimestamp(now),
  };
}

const DAY_MS = 86_400_000;

/** aigpt's `needs_update`: a week old, 10+ memories beyond the estimate, or a newer analysis. */
export function profileNeedsUpdate(
  profile: UserProfile,
  memoryCount: number,
  analysis: UserAnalysis | undefined,
  now = nowInstant(),
): boolean {
  const updated = parseTimestamp(profile.last_updated);
  if (!updated) return true;
  if (Math.trunc((instantMs(now) - instantMs(updated)) / DAY_MS) >= 7) return true;
  if (memoryCount > profile.key_memory_ids.length * 2 + 10) return true;
  const analyzed = analysis ? parseTimestamp(analysis.analyzedAt) : undefined;
  if (analyzed && (analyzed.seconds > updated.seconds || (analyzed.seconds === updated.seconds && analyzed.nanos > updated.nanos)))
    return true;
  return false;
}

function readCachedProfile(db: Database.Database): UserProfile | undefined {
  const data = db.prepare('SELECT data FROM user_profiles WHERE id = 1').pluck().get() as string | undefined;
  if (data === undefined) return undefined;
  try {
    const p = JSON.parse(data) as Partial<UserProfile>;
    if (!Array.isArray(p.dominant_traits) || !Array.isArray(p.key_memory_ids) || typeof p.last_updated !== 'string') return undefined;
    return { core_interests: [], core_values: [], data_quality: 0, ...p } as UserProfile;
  } catch {
    // An unreadable cache entry is regenerated, as a stale one is.
    return undefined;
  }
}

/** aigpt's `get_profile`: the cached profile unless it needs an update, else a new one, cached. */
export function getProfile(src: LayerSource): UserProfile {
  const analysis = latestAnalysis(src.db);
  const cached = readCachedProfile(src.db);
  if (cached && !profileNeedsUpdate(cached, src.count(), analysis)) return cached;
  const now = nowInstant();
  const profile = generateProfile(src.allMemories(), analysis, now);
  writeTransaction(src.db, () => {
    src.db
      .prepare('INSERT OR REPLACE INTO user_profiles (id, data, last_updated) VALUES (1, ?, ?)')
      .run(JSON.stringify(profile), formatDbTimestamp(now));
  });
  return profile;
}
