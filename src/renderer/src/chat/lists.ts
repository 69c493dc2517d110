import type { CallResponse } from '../../../shared/contract';
import { historyResultLabel } from '../../../shared/history-result';
import { historyDecisionLabel } from '../../../shared/policy';
import { noMemoryMatches } from '../../../shared/memory-text';
import { formatDuration, localTime } from './format';

/**
 * /history and /memory as Markdown (a table, a list), drawn like answers.
 * Commands and memories are the person's text: each is escaped so it shows
 * exactly as written and cannot break the table or turn into a link.
 */

/** A code span that holds any text: the fence is longer than any run of backticks inside. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** Plain text inside Markdown: no emphasis, links, HTML or table breaks. */
export function escapeMarkdown(text: string): string {
  // Only what can start markup mid-line: a list or heading marker matters at the start of a line, and these never start one.
  return text.replace(/\s+/g, ' ').replace(/[\\`*_[\]|<>~]/g, (c) => `\\${c}`);
}

export function formatCommandLog(list: CallResponse<'commandLog.list'>, query: string): string {
  if (list.problem) return escapeMarkdown(list.problem);
  if (list.items.length === 0) return query ? `No commands match “${escapeMarkdown(query)}”.` : 'No commands yet.';
  const head = query ? `**Commands matching “${escapeMarkdown(query)}”**, newest first:` : '**Commands**, newest first:';
  const rows = list.items.map((r) => {
    const status = historyResultLabel(r);
    const took = r.durationMs !== null ? formatDuration(r.durationMs) : '';
    const who = historyDecisionLabel(r.decision, r.approver);
    return `| ${escapeMarkdown(localTime(r.startedAt))} | ${escapeMarkdown(who)} | ${status} | ${codeSpan(r.command)} | ${took} |`;
  });
  return [head, '', '| when | decision | result | command | took |', '| --- | --- | --- | --- | ---: |', ...rows].join('\n');
}

export function formatMemories(list: CallResponse<'memory.list'>, query: string): string {
  if (list.problem) return escapeMarkdown(list.problem);
  if (list.items.length === 0) return query ? escapeMarkdown(noMemoryMatches(query)) : 'No memories yet.';
  const head = query ? `**Memories matching “${escapeMarkdown(query)}”:**` : '**Recent memories:**';
  return [head, '', ...list.items.map((m) => `- ${escapeMarkdown(localTime(m.createdAt))} · ${escapeMarkdown(m.content)}`)].join('\n');
}
