import { checkText, clampInt } from './checks';
import { COLUMNS, rowToMemory, type MemoryRow, type StoreParts } from './memory-rows';
import { rankedCandidates } from './rank';
import { stemsOf } from './stem';
import { likePattern, parseQuery, snippetMaker, type ParsedQuery } from './text';
import type { Memory, MemorySearchHit, SearchOptions } from './types';

/**
 * The memory store's search: ranked full-text search over the index, with
 * aigpt's substring match as the fallback. The store checks the request
 * before it touches the file and runs the search inside its guard (store.ts).
 */

const DEFAULT_SEARCH_LIMIT = 20;
const MAX_SEARCH_LIMIT = 1000;
/** Ranking every match of a word found in most memories costs time in proportion; the newest this many are ranked. */
const DEFAULT_MAX_CANDIDATES = 500;

export interface SearchRequest {
  text: string;
  limit: number;
  offset: number;
  cap: number;
  parsed: ParsedQuery;
}

/** The query and its page, checked and clamped. */
export function searchRequest(query: string, options: SearchOptions): SearchRequest {
  const text = checkText('query', query);
  const limit = clampInt(options.limit, DEFAULT_SEARCH_LIMIT, 1, MAX_SEARCH_LIMIT);
  const offset = clampInt(options.offset, 0, 0, Number.MAX_SAFE_INTEGER);
  // Never rank fewer rows than were asked for.
  const cap = Math.max(clampInt(options.maxCandidates, DEFAULT_MAX_CANDIDATES, 1, 1_000_000), offset + limit);
  const parsed = parseQuery(text);
  return { text, limit, offset, cap, parsed };
}

/**
 * Ranked first; when the index finds nothing, or `trySync` says it cannot
 * be brought up to date, the substring match.
 */
export function runSearch(
  s: StoreParts,
  { text, limit, offset, cap, parsed }: SearchRequest,
  options: SearchOptions,
  trySync: () => boolean,
): MemorySearchHit[] {
  if (s.index && s.ranker && parsed.phrases.length > 0 && trySync()) {
    const found = rankedCandidates(s.ranker, parsed.phrases, offset + limit, cap);
    if (found && found.rows.length > 0) {
      const { rows, capped } = found;
      rows.sort((a, b) => a.score - b.score || b.rowid - a.rowid);
      const hits: MemorySearchHit[] = [];
      // The index matched stems at word starts: mark the same in the snippet.
      const marks = { ...options.snippet, wordStart: true, stems: stemsOf(parsed.terms) };
      const snippet = snippetMaker(parsed.terms, marks);
      const page = rows.slice(offset, offset + limit);
      const fetched = new Map((s.stmts.byRowids.all(JSON.stringify(page.map((c) => c.rowid))) as MemoryRow[]).map((r) => [r.rowid, r]));
      for (const c of page) {
        const row = fetched.get(c.rowid);
        if (!row) continue;
        const memory = rowToMemory(row);
        hits.push({ memory, score: -c.score, snippet: snippetFor(memory, snippet, marks.open), matchedBy: 'fts', capped });
      }
      return hits;
    }
  }
  return substringSearch(s, parsed.terms.length > 0 ? parsed.terms : [text], limit, offset, options);
}

function substringSearch(s: StoreParts, terms: string[], limit: number, offset: number, options: SearchOptions): MemorySearchHit[] {
  const where = terms.map(() => "(content LIKE ? ESCAPE '\\' OR ai_interpretation LIKE ? ESCAPE '\\')").join(' AND ');
  const params = terms.flatMap((t) => [likePattern(t), likePattern(t)]);
  const rows = s.db
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

/** The excerpt from the content, or from the interpretation when only that matched. */
function snippetFor(memory: Memory, snippet: (text: string) => string, open = '«'): string {
  const inContent = snippet(memory.content);
  if (!inContent.includes(open) && memory.aiInterpretation) {
    const inInterp = snippet(memory.aiInterpretation);
    if (inInterp.includes(open)) return inInterp;
  }
  return inContent;
}
