import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sortedJson } from '../memory/aigpt-json';

/**
 * aigpt's result convention: one text item holding compact JSON with sorted
 * keys and a `success` flag. aios also marks failures `isError`, so MCP
 * clients that look at the flag see them, while clients that parse the text
 * (as aigpt's do) see `success: false` and `error`.
 */
export function ok(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: sortedJson({ ...value, success: true }) }] };
}

export function fail(message: string): CallToolResult {
  return { content: [{ type: 'text', text: sortedJson({ error: message, success: false }) }], isError: true };
}

/**
 * One stdio message may not exceed 10 MB; the text is escaped once more
 * inside the JSON-RPC envelope, so results stay well under that.
 */
export const RESULT_BUDGET_BYTES = 4 * 1024 * 1024;

/**
 * Takes items from the front while their JSON fits the budget. The first
 * item is always taken, so a caller paging through always makes progress.
 */
export function takeWithinBudget<T>(
  items: T[],
  toJson: (item: T) => unknown,
  budget = RESULT_BUDGET_BYTES,
): { taken: unknown[]; cut: boolean } {
  const taken: unknown[] = [];
  let used = 0;
  for (const item of items) {
    const json = toJson(item);
    const size = Buffer.byteLength(sortedJson(json), 'utf8') + 1;
    if (taken.length > 0 && used + size > budget) return { taken, cut: true };
    taken.push(json);
    used += size;
  }
  return { taken, cut: false };
}
