import { foldPlan, type FoldPlan } from '../../../shared/output-fold';
import type { EventPayload } from '../../../shared/contract';
import type { CommandRow, CommandState, Decision, OutputChunk } from './types';

type RefusalKind = NonNullable<EventPayload<'chat.commandDone'>['refusalKind']>;

import { DECISION_LABELS } from '../../../shared/policy';

/** Decisions of the policy, and history's "declined". */
export function decisionLabel(decision: string | null): string {
  if (decision === null) return 'not judged';
  return DECISION_LABELS[decision] ?? decision;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "exit 0", "signal SIGTERM", or null while there is nothing to say. */
export function exitText(card: Pick<CommandRow, 'exitCode' | 'signal'>): string | null {
  if (card.exitCode !== null) return `exit ${card.exitCode}`;
  if (card.signal) return `signal ${card.signal}`;
  return null;
}

/** Why a command did not run, in the card's words. */
export function refusalText(decision: Decision | null, rule: string | null, reasons: string[], refusal: string | null): string {
  if (decision === 'deny') {
    const why = rule ?? (reasons.length > 0 ? reasons.join('; ') : null);
    return why ? `denied by policy: ${why}` : 'denied by policy';
  }
  return refusal ?? 'not run';
}

/**
 * The card's state once the core says it is over. Live events carry the
 * refusal as a code; a restored conversation has only the words the model
 * was given, where "cancelled before it ran" is the one that is a cancel.
 */
export function finalState(p: {
  ran: boolean;
  refusal: string | null;
  refusalKind?: RefusalKind | null;
  timedOut: boolean;
  cancelled: boolean;
}): CommandState {
  const cancelledBeforeRun =
    p.refusalKind !== undefined ? p.refusalKind === 'cancelled' : !p.ran && p.refusal !== null && /\bcancel/i.test(p.refusal);
  if (p.cancelled || cancelledBeforeRun) return 'cancelled';
  if (p.timedOut) return 'timeout';
  if (!p.ran) return 'refused';
  return 'done';
}

export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A card before anything is known of it but its command: live ones start waiting, restored ones say how they ended. */
export function newCard(
  id: string,
  callId: string,
  turnId: string | null,
  command: string,
  restored: { state: CommandState } | null = null,
): CommandRow {
  return {
    kind: 'command',
    id,
    callId,
    turnId,
    command,
    cwd: null,
    decision: null,
    rule: null,
    reasons: [],
    state: restored?.state ?? 'waiting',
    output: [],
    droppedChars: 0,
    exitCode: null,
    signal: null,
    durationMs: null,
    refusal: null,
    restored: restored !== null,
  };
}

/**
 * The card's badge: before an answer, what the policy decided; after it, who
 * decided ("approved by you", "declined by you", "no answer").
 */
export function verdictLabel(
  card: Pick<CommandRow, 'decision' | 'decidedBy' | 'state'> & Partial<Pick<CommandRow, 'rule' | 'sandbox'>>,
): string {
  // No rule allowed it: it ran in the jail instead of asking, which "auto-allowed" would not say.
  if (card.decision === 'auto_allow' && card.rule === null && card.sandbox?.confined) return 'confined: no rule';
  if (card.decision === 'require_approval' && card.state !== 'waiting') {
    // Running past an approval means someone approved it (here, or in Electron's dialog).
    if (card.state === 'running') return 'approved by you';
    if (card.decidedBy === 'you') return card.state === 'refused' ? 'declined by you' : 'approved by you';
    if (card.decidedBy === 'timeout') return 'no answer: not run';
  }
  return decisionLabel(card.decision);
}

export { reasonsBeyondRule } from '../../../shared/policy';

/** The first `lines` lines of some output, keeping which stream each part came from. */
export function outputHead(chunks: readonly OutputChunk[], lines: number): OutputChunk[] {
  const kept: OutputChunk[] = [];
  let need = lines;
  for (const c of chunks) {
    if (need <= 0) break;
    let end = -1;
    for (let i = c.data.indexOf('\n'); i >= 0; i = c.data.indexOf('\n', i + 1)) {
      if (--need === 0) {
        end = i + 1;
        break;
      }
    }
    kept.push(end < 0 ? c : { stream: c.stream, data: c.data.slice(0, end) });
  }
  return kept;
}

/** Long output folded by the rule every host follows (src/shared/output-fold.ts): head, a marker, tail. */
export function foldOutput(chunks: readonly OutputChunk[]): { head: OutputChunk[]; tail: OutputChunk[]; plan: FoldPlan } {
  const plan = foldPlan(countLines(chunks));
  if (plan.hidden === 0) return { head: [...chunks], tail: [], plan };
  return { head: outputHead(chunks, plan.head), tail: outputTail(chunks, plan.tail).chunks, plan };
}

function countLines(chunks: readonly OutputChunk[]): number {
  let n = 0;
  for (const c of chunks) for (let i = c.data.indexOf('\n'); i >= 0; i = c.data.indexOf('\n', i + 1)) n++;
  const last = chunks[chunks.length - 1];
  return last && last.data.length > 0 && !last.data.endsWith('\n') ? n + 1 : n;
}

/** The last `lines` lines of some output, keeping which stream each part came from, and how many lines there are in all. */
export function outputTail(chunks: readonly OutputChunk[], lines: number): { chunks: OutputChunk[]; total: number; hidden: number } {
  const total = countLines(chunks);
  if (total <= lines) return { chunks: [...chunks], total, hidden: 0 };
  let need = lines;
  const kept: OutputChunk[] = [];
  for (let k = chunks.length - 1; k >= 0 && need > 0; k--) {
    const c = chunks[k] as OutputChunk;
    // A trailing newline ends the last line; it does not start another.
    let pos = k === chunks.length - 1 && c.data.endsWith('\n') ? c.data.length - 1 : c.data.length;
    let start = 0;
    for (;;) {
      const nl = c.data.lastIndexOf('\n', pos - 1);
      if (nl < 0) break;
      need--;
      if (need === 0) {
        start = nl + 1;
        break;
      }
      pos = nl;
    }
    kept.unshift({ stream: c.stream, data: c.data.slice(start) });
  }
  return { chunks: kept, total, hidden: total - lines };
}
