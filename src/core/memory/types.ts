/** A row of aigpt's `memories` table, as aios hands it around. */
export interface Memory {
  /** ULID. */
  id: string;
  content: string;
  aiInterpretation: string | null;
  /** 0..1, stored as aigpt's f32. */
  priorityScore: number | null;
  relatedEntities: string[] | null;
  /** Exactly as stored: RFC 3339, `+00:00`. */
  createdAt: string;
  updatedAt: string;
}

export interface CreateAiOptions {
  aiInterpretation?: string | null;
  priorityScore?: number | null;
  /** People, places or things this memory is about (aigpt's Layer 4). */
  relatedEntities?: string[] | null;
}

export interface ListOptions {
  /** Default: every row (aigpt's behaviour); callers with a size budget pass one. */
  limit?: number;
  offset?: number;
}

export interface SearchOptions {
  /** Default 20, at most 1000. */
  limit?: number;
  offset?: number;
  /** How many of the newest matches are scored for a very common word. Default 500, and never fewer than offset + limit. */
  maxCandidates?: number;
  snippet?: { width?: number; open?: string; close?: string; ellipsis?: string };
}

export interface MemorySearchHit {
  memory: Memory;
  /** Higher is more relevant (negated bm25); 0 for substring matches. */
  score: number;
  /** A short excerpt around the match with the matched words marked «like this». */
  snippet: string;
  /**
   * `fts`: ranked by the full-text index. `substring`: aigpt's LIKE semantics,
   * newest first, used when the words matched nothing in the index or the
   * index could not be brought up to date (read-only or locked file).
   */
  matchedBy: 'fts' | 'substring';
  /** True when the word was so common that only the newest matches were ranked. */
  capped: boolean;
}

export interface BigFive {
  openness: number;
  conscientiousness: number;
  extraversion: number;
  agreeableness: number;
  neuroticism: number;
}

export interface UserAnalysis extends BigFive {
  id: string;
  summary: string;
  /** As stored (RFC 3339, `+00:00`). */
  analyzedAt: string;
}
