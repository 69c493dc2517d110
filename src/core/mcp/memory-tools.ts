import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { analysisJson, memoryJson, sortedJson, profileJson, relationshipJson, searchHitJson } from '../memory/aigpt-json';
import { dominantTrait } from '../memory/profile';
import type { CommandLog, CommandHistoryRow } from '../memory/history';
import { parseTimeRange } from '../memory/time-range';
import type { MemoryStore } from '../memory/store';
import type { BigFive, Memory } from '../memory/types';
import { fail, ok, RESULT_BUDGET_BYTES, takeWithinBudget } from './tool-result';

/**
 * The memory tools' behaviour, separate from their MCP registration. Each
 * returns aigpt's result shape for the same tool; aios's additions are extra
 * keys (`total`, `next_offset`, `truncated`, `snippet`, `score`) that leave
 * aigpt's keys as they are.
 */

const notFound = (id: string): CallToolResult => fail(`Memory not found: ${id}`);

export function createMemory(store: MemoryStore, a: { content: string }): CallToolResult {
  const m = store.create(a.content);
  return ok({ id: m.id, message: 'Memory created successfully' });
}

export function createAiMemory(
  store: MemoryStore,
  a: {
    content: string;
    ai_interpretation?: string | undefined;
    priority_score?: number | undefined;
    related_entities?: string[] | undefined;
  },
): CallToolResult {
  const m = store.createAi(a.content, {
    aiInterpretation: a.ai_interpretation ?? null,
    priorityScore: a.priority_score ?? null,
    relatedEntities: a.related_entities ?? null,
  });
  return ok({
    has_interpretation: m.aiInterpretation !== null,
    has_score: m.priorityScore !== null,
    id: m.id,
    message: 'AI memory created successfully',
  });
}

export function getMemory(store: MemoryStore, a: { id: string }): CallToolResult {
  const m = store.get(a.id);
  return m ? ok({ memory: memoryJson(m) }) : notFound(a.id);
}

export const DEFAULT_SEARCH_RESULTS = 50;

export function searchMemories(store: MemoryStore, a: { query: string; limit?: number | undefined }): CallToolResult {
  const hits = store.search(a.query, { limit: a.limit ?? DEFAULT_SEARCH_RESULTS });
  const { taken, cut } = takeWithinBudget(hits, searchHitJson);
  return ok({ memories: taken, ...(cut ? { truncated: true } : {}) });
}

const LIST_PAGE = 1000;

/**
 * aigpt returns every row, which past a few tens of thousands of memories
 * exceeds the stdio message cap. aios returns at most `limit` rows and never
 * more than the result budget; `next_offset` says where to continue.
 */
export function listMemories(store: MemoryStore, a: { limit?: number | undefined; offset?: number | undefined }): CallToolResult {
  const total = store.count();
  const start = a.offset ?? 0;
  const wanted = a.limit ?? Number.POSITIVE_INFINITY;
  const out: unknown[] = [];
  let used = 0;
  let offset = start;
  let cut = false;
  pages: while (out.length < wanted && offset < total) {
    const page: Memory[] = store.list({ limit: Math.min(LIST_PAGE, wanted - out.length), offset });
    if (page.length === 0) break;
    for (const m of page) {
      const json = memoryJson(m);
      const size = Buffer.byteLength(sortedJson(json), 'utf8') + 1;
      if (out.length > 0 && used + size > RESULT_BUDGET_BYTES) {
        cut = true;
        break pages;
      }
      out.push(json);
      used += size;
      offset++;
    }
  }
  const more = offset < total;
  return ok({ memories: out, total, ...(more ? { next_offset: offset } : {}), ...(cut ? { truncated: true } : {}) });
}

export function updateMemory(store: MemoryStore, a: { id: string; content: string }): CallToolResult {
  return store.update(a.id, a.content) ? ok({ message: 'Memory updated successfully' }) : notFound(a.id);
}

export function deleteMemory(store: MemoryStore, a: { id: string }): CallToolResult {
  return store.delete(a.id) ? ok({ message: 'Memory deleted successfully' }) : notFound(a.id);
}

export function saveUserAnalysis(store: MemoryStore, a: BigFive & { summary: string }): CallToolResult {
  const { summary, ...scores } = a;
  const saved = store.saveAnalysis(scores, summary);
  return ok({ dominant_trait: dominantTrait(saved), id: saved.id, message: 'User analysis saved successfully' });
}

export function getUserAnalysis(store: MemoryStore): CallToolResult {
  const a = store.latestAnalysis();
  return a ? ok({ analysis: analysisJson(a) }) : ok({ analysis: null, message: 'No analysis found. Run personality analysis first.' });
}

export function getProfile(store: MemoryStore): CallToolResult {
  return ok({ profile: profileJson(store.getProfile()) });
}

export function getRelationship(store: MemoryStore, a: { entity_id: string }): CallToolResult {
  if (a.entity_id.length === 0) return fail('entity_id is required');
  return ok({ relationship: relationshipJson(store.getRelationship(a.entity_id), true) });
}

export function listRelationships(store: MemoryStore, a: { limit?: number | undefined }): CallToolResult {
  return ok({ relationships: store.listRelationships(a.limit ?? 10).map((r) => relationshipJson(r, false)) });
}

function historyJson(r: CommandHistoryRow): Record<string, unknown> {
  return {
    approver: r.approver,
    command: r.command,
    cwd: r.cwd,
    decision: r.decision,
    duration_ms: r.durationMs,
    ended_at: r.endedAt,
    exit_code: r.exitCode,
    id: r.id,
    machine: r.machine,
    matched_rule: r.matchedRule,
    output_excerpt: r.outputExcerpt,
    output_truncated: r.outputTruncated,
    session_id: r.sessionId,
    signal: r.signal,
    started_at: r.startedAt,
    // What it did, when it ran as a transaction: files and packages, facts rather than its output.
    ...(r.effects
      ? {
          effects: {
            summary: r.effects.summary,
            paths: r.effects.paths.slice(0, 50),
            ...(r.effects.packages ? { packages: r.effects.packages } : {}),
            undo_id: r.effects.recordId,
          },
        }
      : {}),
  };
}

/** aios's own: commands run or refused, by time ("yesterday", "last week", ISO) and words. */
export function recallHistory(
  history: CommandLog,
  a: {
    since?: string | undefined;
    until?: string | undefined;
    range?: string | undefined;
    query?: string | undefined;
    changed?: string | undefined;
    limit?: number | undefined;
  },
): CallToolResult {
  let since: string | Date | undefined = a.since;
  let until: string | Date | undefined = a.until;
  if (a.range !== undefined) {
    const r = parseTimeRange(a.range);
    if (!r) return fail(`cannot read range "${a.range}": try "today", "yesterday", "last week", "last 3 days" or "2025-11-01..2025-11-06"`);
    since ??= r.since;
    until ??= r.until;
  }
  const rows = history.query({ since, until, text: a.query, ...(a.changed ? { changed: a.changed } : {}), limit: a.limit ?? 50 });
  const { taken, cut } = takeWithinBudget(rows, historyJson);
  return ok({ count: taken.length, history: taken, ...(cut ? { truncated: true } : {}) });
}
