import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import type { CallResponse } from '../../shared/contract';
import { historyResultLabel } from '../../shared/history-result';
import { historyDecisionLabel } from '../../shared/policy';
import { noMemoryMatches } from '../../shared/memory-text';
import { DIRECT_HELP, INTRO, slashHelpRows } from '../../shared/slash';
import type { Style } from './style';
import { visibleText } from '../../shared/visible-text';

/** /help at the `[aios] >` prompt: the command table every chat shares, and the keys. */
export const HELP = [
  INTRO,
  '',
  ...[
    DIRECT_HELP,
    ...slashHelpRows('tty'),
    ['Ctrl-C', 'cancel the running answer or command'] as [string, string],
    ['Ctrl-D', 'leave'] as [string, string],
  ].map(([usage, does]) => `  ${usage.padEnd(18)}${does}`),
].join('\n');

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

/** /history from the `commandLog.list` call. */
export function formatCommandLog(list: CallResponse<'commandLog.list'>, style: Style): string {
  if (list.problem) return style.yellow(list.problem);
  if (list.items.length === 0) return style.dim('(no commands found)');
  const rows = list.items.map((r) => ({
    when: style.dim(localTime(r.startedAt)),
    decision: decisionLabel(r.decision, style, r.approver),
    status: historyResultLabel(r),
    interrupted: r.state === 'interrupted',
    command: visibleText(r.command, { tabs: false, newlines: false }),
  }));
  // Columns line up by what is seen, not by the length of the colour codes around it.
  const width = (text: string) => stringWidth(stripVTControlCharacters(text));
  const pad = (text: string, to: number) => text + ' '.repeat(Math.max(0, to - width(text)));
  const cols = {
    when: Math.max(...rows.map((r) => width(r.when))),
    decision: Math.max(...rows.map((r) => width(r.decision))),
    status: Math.max(...rows.map((r) => width(r.status))),
  };
  return rows
    .map((r) => {
      const status = pad(r.status, cols.status);
      return `${pad(r.when, cols.when)}  ${pad(r.decision, cols.decision)}  ${r.interrupted ? style.red(status) : status}  ${r.command}`;
    })
    .join('\n');
}

/** /memory from the `memory.list` call. */
export function formatMemories(list: CallResponse<'memory.list'>, style: Style, query = ''): string {
  if (list.problem) return style.yellow(list.problem);
  if (list.items.length === 0) return style.dim(query ? noMemoryMatches(query) : '(no memories yet)');
  return list.items.map((m) => `${style.dim(localTime(m.createdAt))}  ${visibleText(m.content.replace(/\s+/g, ' '))}`).join('\n');
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
