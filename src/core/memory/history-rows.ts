import { parseTimeRange } from './time-range';

/**
 * The command history's row shapes and their mapping to and from SQLite
 * (CommandLog in history.ts does the reading and writing).
 */

export interface CommandHistoryEntry {
  command: string;
  /** The policy's verdict: e.g. 'auto_allow', 'notify', 'require_approval', 'deny', 'refused'. */
  decision: string;
  /** The rule that matched, as written in config.toml. */
  matchedRule?: string | null;
  /** Who let it run: 'auto', 'user', 'policy', …; null when it did not run. */
  approver?: string | null;
  exitCode?: number | null;
  signal?: string | null;
  durationMs?: number | null;
  /** ISO 8601 string or Date. Default: now. */
  startedAt?: string | Date;
  endedAt?: string | Date | null;
  cwd?: string | null;
  /** Default: this machine's host name. */
  machine?: string | null;
  /** Output to keep; the store cuts it to OUTPUT_EXCERPT_MAX characters (head and tail). */
  outputExcerpt?: string | null;
  sessionId?: string | null;
  /** The model's tool-call id (or `direct-…` for `!cmd`): the key a chat restore finds the record by. */
  callId?: string | null;
  turnId?: string | null;
  conversationId?: string | null;
  /** The structured record of the card (its live events and bounded output), stored as JSON. */
  record?: unknown;
}

export interface CommandHistoryRow {
  id: string;
  command: string;
  decision: string;
  matchedRule: string | null;
  approver: string | null;
  exitCode: number | null;
  signal: string | null;
  durationMs: number | null;
  /** `YYYY-MM-DDTHH:MM:SS.mmm+00:00`. */
  startedAt: string;
  endedAt: string | null;
  cwd: string | null;
  machine: string | null;
  outputExcerpt: string | null;
  /** True when the store cut the output. */
  outputTruncated: boolean;
  sessionId: string | null;
  callId: string | null;
  turnId: string | null;
  conversationId: string | null;
  /** `running` (started, not ended), `done`, or `interrupted` (aios died while it ran). */
  state: 'running' | 'done' | 'interrupted';
  /** What it did, when it ran as a transaction. */
  effects: CommandEffects | null;
}

/** What a command run as a transaction did to files (and packages), stored with its history row. */
export interface CommandEffects {
  /** Its undo record, while aios keeps it. */
  recordId: string | null;
  summary: string;
  counts: { added: number; changed: number; deleted: number; meta: number };
  /** "added /usr/bin/hello", "changed /etc/hosts"…, capped. */
  paths: string[];
  packages?: { added: string[]; removed: string[] };
}

/** A call a crashed aios left running, as the next start found it. */
export interface InterruptedCall {
  id: string;
  command: string;
  callId: string | null;
  turnId: string | null;
  conversationId: string | null;
  startedAt: string;
  /** It had started running (false: it was still waiting, e.g. for the person's approval, and never ran). */
  ran: boolean;
}

export interface HistoryQuery {
  /** A Date, an ISO string, or a natural expression ("yesterday": from its start). */
  since?: Date | string;
  /** As `since`; a natural expression means its end ("yesterday": up to today 00:00). Exclusive. */
  until?: Date | string;
  /** Words that must all occur in the command or its output (case-insensitive for ASCII). */
  text?: string;
  /** Only rows with this decision. */
  decision?: string;
  sessionId?: string;
  /** Only commands whose recorded effects touched this path or anything under it ("/etc"). */
  changed?: string;
  /** Only commands that added or removed this package (a name, or part of one). */
  packageName?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export const OUTPUT_EXCERPT_MAX = 4000;
export const COMMAND_MAX = 65_536;

/** Keeps the head and the tail, which is where errors and results are. */
export function capOutput(text: string, max = OUTPUT_EXCERPT_MAX): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const head = Math.floor(max * 0.5);
  const tail = max - head - 40;
  const omitted = text.length - head - tail;
  return { text: `${text.slice(0, head)}\n… [${omitted} characters omitted] …\n${text.slice(text.length - tail)}`, truncated: true };
}

/** History timestamps: fixed 3 fraction digits and `+00:00`, so text order is time order. */
export function historyTimestamp(value: Date | string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${String(value)}`);
  return d.toISOString().replace('Z', '+00:00');
}

export function bound(value: Date | string | undefined, end: 'since' | 'until', now: Date): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) return historyTimestamp(value);
  const range = parseTimeRange(value, now);
  if (range) return historyTimestamp(range[end]);
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new RangeError(`cannot read "${value}" as a time: try "yesterday", "last week", "last 3 days" or an ISO date`);
  return historyTimestamp(d);
}

export interface HistoryDbRow {
  id: string;
  command: string;
  decision: string;
  matched_rule: string | null;
  approver: string | null;
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
  started_at: string;
  ended_at: string | null;
  cwd: string | null;
  machine: string | null;
  output_excerpt: string | null;
  output_truncated: number;
  session_id: string | null;
  call_id: string | null;
  turn_id: string | null;
  conversation_id: string | null;
  state?: string | null;
  effects_json?: string | null;
}

export function toRow(r: HistoryDbRow): CommandHistoryRow {
  return {
    id: r.id,
    command: r.command,
    decision: r.decision,
    matchedRule: r.matched_rule,
    approver: r.approver,
    exitCode: r.exit_code,
    signal: r.signal,
    durationMs: r.duration_ms,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    cwd: r.cwd,
    machine: r.machine,
    outputExcerpt: r.output_excerpt,
    outputTruncated: r.output_truncated !== 0,
    sessionId: r.session_id,
    // Absent (undefined) only in a file opened without its migration.
    callId: r.call_id ?? null,
    turnId: r.turn_id ?? null,
    conversationId: r.conversation_id ?? null,
    state: r.state === 'running' || r.state === 'interrupted' ? r.state : 'done',
    effects: parseEffects(r.effects_json),
  };
}

/** Text for a LIKE pattern with its wildcards escaped. */
export const likeText = (t: string) => t.replace(/[\\%_]/g, (c) => `\\${c}`);

function parseEffects(json: string | null | undefined): CommandEffects | null {
  if (!json) return null;
  try {
    return JSON.parse(json) as CommandEffects;
  } catch {
    return null;
  }
}

export const optText = (v: string | null | undefined): string | null => (v === undefined || v === null ? null : String(v));
export const optInt = (v: number | null | undefined): number | null =>
  v === undefined || v === null || !Number.isFinite(v) ? null : Math.round(v);
