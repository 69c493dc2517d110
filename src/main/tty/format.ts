import { historyDecisionLabel } from '../../shared/policy';
import type { CommandHistoryRow } from '../core/memory/history';
import type { Memory } from '../core/memory/types';
import type { Style } from './style';

export const HELP = `Talk to aios in plain words; it proposes commands and the permission policy decides.

  !<command>        run a command yourself (same policy, approvals and history)
  /history [words]  commands run or refused, newest first (e.g. /history pacman)
  /memory [words]   search the shared memory (all recent memories without words)
  /clear            start a new conversation
  /setup            choose the AI provider (written into config.toml)
  /terminal         open your shell ($SHELL); type exit to come back
  /output           all the output of the last command (long output is folded)
  /help             this text
  Ctrl-C            cancel the running answer or command
  Ctrl-D, /exit     leave`;

export function decisionLabel(decision: string, style: Style, approver?: string | null): string {
  const label = historyDecisionLabel(decision, approver);
  if (decision === 'deny' || decision === 'declined') return style.red(label);
  if (decision === 'require_approval') return style.yellow(label);
  if (decision === 'notify') return style.cyan(label);
  return style.green(label);
}

function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function formatHistory(rows: CommandHistoryRow[], style: Style): string {
  if (rows.length === 0) return style.dim('(no commands found)');
  return rows
    .map((r) => {
      const status = r.exitCode !== null ? `exit ${r.exitCode}` : r.signal ? r.signal : 'not run';
      return `${style.dim(localTime(r.startedAt))}  ${decisionLabel(r.decision, style, r.approver)}  ${status.padEnd(7)}  ${r.command}`;
    })
    .join('\n');
}

export function formatMemories(memories: Memory[], style: Style): string {
  if (memories.length === 0) return style.dim('(no memories found)');
  return memories.map((m) => `${style.dim(localTime(m.createdAt))}  ${m.content.replace(/\s+/g, ' ')}`).join('\n');
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** How many lines of a tool call's arguments the approval prompt shows before `?` shows all. */
export const ARGUMENT_LINES = 12;

/** Pretty JSON arguments, indented, cut to `maxLines` with a note on how to see the rest. */
export function formatToolArguments(pretty: string, maxLines: number): string {
  const lines = pretty.split('\n');
  const cut = Number.isFinite(maxLines);
  const shown = lines.slice(0, maxLines).map((l) => `    ${cut && l.length > 400 ? `${l.slice(0, 400)}…` : l}`);
  if (lines.length > maxLines) shown.push(`    … ${lines.length - maxLines} more lines (type ? to see them all)`);
  return shown.join('\n');
}
