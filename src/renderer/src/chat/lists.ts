import type { CallResponse } from '../../../shared/contract';
import { decisionLabel, formatDuration, localTime } from './format';

/** /history as text: one command a line, newest first (like `aios chat`). */
export function formatHistory(list: CallResponse<'history.list'>, query: string): string {
  if (list.problem) return list.problem;
  if (list.items.length === 0) return query ? `No commands match “${query}”.` : 'No commands yet.';
  const head = query ? `Commands matching “${query}”, newest first:` : 'Commands, newest first:';
  const lines = list.items.map((r) => {
    // A command that ran has a duration; without an exit code it was stopped by a signal.
    const status = r.exitCode !== null ? `exit ${r.exitCode}` : r.durationMs !== null ? 'stopped' : 'not run';
    const label = decisionLabel(r.decision);
    const took = r.durationMs !== null ? ` · ${formatDuration(r.durationMs)}` : '';
    return `${localTime(r.startedAt)}  ${label.padEnd(14)} ${status.padEnd(8)} ${r.command}${took}`;
  });
  return [head, ...lines].join('\n');
}

export function formatMemories(list: CallResponse<'memory.list'>, query: string): string {
  if (list.problem) return list.problem;
  if (list.items.length === 0) return query ? `No memories match “${query}”.` : 'No memories yet.';
  const head = query ? `Memories matching “${query}”:` : 'Recent memories:';
  return [head, ...list.items.map((m) => `${localTime(m.createdAt)}  ${m.content.replace(/\s+/g, ' ')}`)].join('\n');
}
