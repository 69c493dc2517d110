/** The fields of a /history row that say how it ended. */
export interface HistoryResultFields {
  exitCode: number | null;
  durationMs: number | null;
  signal?: string | null | undefined;
  state?: 'running' | 'done' | 'interrupted' | undefined;
}

/**
 * How a /history row ended, in one word or two, the same in every host:
 * a command has an exit code or the signal that stopped it; a tool call
 * (MCP or built-in) has neither, only a duration when it was made.
 */
export function historyResultLabel(r: HistoryResultFields): string {
  if (r.state === 'interrupted') return 'interrupted';
  if (r.state === 'running') return 'running';
  if (r.exitCode !== null) return `exit ${r.exitCode}`;
  if (r.signal) return `stopped (${r.signal})`;
  return r.durationMs !== null ? 'done' : 'not run';
}
