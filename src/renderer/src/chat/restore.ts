/**
 * chat.state → rows: the stored conversation rebuilt as the person saw it,
 * with a command card for every run_command call and its result.
 */
import { RUN_COMMAND, type ConversationItem, type CommandRecord } from '../../../shared/contract';
import { finalState, newCard, refusalText } from './format';
import { cardDone, cardOutput, cardStarted } from './reducer';
import type { CommandRow, Decision, Row } from './types';

/** A command without a stored result: aios (or the web server) stopped while it ran. */
export const INTERRUPTED = 'interrupted: aios stopped while this command was running';
const DECISIONS: readonly Decision[] = ['auto_allow', 'notify', 'require_approval', 'deny'];

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

function commandOf(args: string): string {
  const a = parseJson(args);
  return str(a?.command) ?? args;
}

function whyOf(args: string): { why?: string } {
  const reason = str(parseJson(args)?.reason)?.trim();
  return reason ? { why: reason } : {};
}

/** Applies the tool result the model was given (see the core's commandResultForModel). */
export function applyResult(card: CommandRow, resultText: string): CommandRow {
  const r = parseJson(resultText);
  if (!r) return { ...card, state: 'done', output: resultText ? [{ stream: 'stdout', data: resultText }] : [] };
  const decision = DECISIONS.find((d) => d === r.decision) ?? card.decision;
  const ran = r.ran === true;
  const refusal = str(r.refused) ?? str(r.error);
  const rule = str(r.rule) ?? card.rule;
  const reasons = Array.isArray(r.reasons) ? r.reasons.filter((x): x is string => typeof x === 'string') : card.reasons;
  const state = finalState({ ran, refusal, timedOut: r.timed_out === true, cancelled: r.cancelled === true });
  const output = str(r.output) ?? '';
  // The model's copy says what happened; who settled an approval follows from it.
  const decidedBy: CommandRow['decidedBy'] =
    decision !== 'require_approval' ? 'rules' : ran ? 'you' : refusal && /declined/.test(refusal) ? 'you' : refusal && /timeout/.test(refusal) ? 'timeout' : undefined;
  return {
    ...card,
    decision,
    rule,
    reasons,
    state,
    exitCode: int(r.exit_code),
    durationMs: typeof r.duration_ms === 'number' ? r.duration_ms : null,
    signal: str(r.signal),
    refusal: ran ? refusal : refusalText(decision, rule, reasons, refusal),
    output: output ? [{ stream: 'stdout', data: output }] : [],
    ...(decidedBy ? { decidedBy } : {}),
  };
}

/**
 * The card from the core's structured record: the same steps the live events
 * took (start, output, done), so the restored card is the card the person saw.
 */
export function cardFromRecord(id: string, r: CommandRecord): CommandRow {
  let card = cardStarted(newCard(id, r.callId, r.start.turnId, r.start.command, { state: 'waiting' }), r.start);
  for (const chunk of r.output) card = cardOutput(card, chunk.stream, chunk.data);
  return cardDone(card, r.done);
}

const foldedOf = (item: ConversationItem) => (item.folded ? { folded: item.folded } : {});

/**
 * `busy`: the core is still running a turn, so its newest question and command may not have an answer or result yet (not failed, not interrupted). */
export function restoreRows(items: ConversationItem[], idPrefix = 'h', busy = false, records: readonly CommandRecord[] = []): Row[] {
  const rows: Row[] = [];
  const recordOf = new Map(records.map((r) => [r.callId, r]));
  // Results follow their assistant message in the order of its calls; a card built from its record needs none.
  let awaiting: Array<{ name: string; rowIndex: number | null }> = [];
  items.forEach((item, n) => {
    const id = `${idPrefix}${n}`;
    if (item.role === 'user') {
      awaiting = [];
      // A question followed by another question got no answer: its turn failed.
      const answered = n + 1 < items.length ? items[n + 1]?.role !== 'user' : busy;
      rows.push({ kind: 'message', id, role: 'user', text: item.text, streaming: false, turnId: null, ...(answered ? {} : { failed: true }), ...foldedOf(item) });
    } else if (item.role === 'assistant') {
      awaiting = [];
      if (item.text.trim() !== '') rows.push({ kind: 'message', id, role: 'assistant', text: item.text, streaming: false, turnId: null, ...foldedOf(item) });
      (item.toolCalls ?? []).forEach((c, k) => {
        const cid = `${id}.${k}`;
        const record = c.name === RUN_COMMAND ? recordOf.get(c.id) : undefined;
        if (record) {
          awaiting.push({ name: c.name, rowIndex: null });
          rows.push(cardFromRecord(cid, record));
        } else if (c.name === RUN_COMMAND) {
          // Written before records existed (or the record was lost): rebuilt from the model's copy.
          awaiting.push({ name: c.name, rowIndex: rows.length });
          // Without a stored result it never finished (the app stopped mid-command).
          const card = { ...newCard(cid, c.id, null, commandOf(c.arguments), { state: 'cancelled' }), ...whyOf(c.arguments) };
          rows.push(busy ? card : { ...card, refusal: INTERRUPTED });
        } else {
          awaiting.push({ name: c.name, rowIndex: null });
          rows.push({ kind: 'tool', id: cid, turnId: null, name: c.name, arguments: c.arguments });
        }
      });
    } else {
      const next = awaiting.shift();
      if (next?.rowIndex === null || next === undefined) return;
      const card = rows[next.rowIndex];
      if (card?.kind === 'command') rows[next.rowIndex] = applyResult(card, item.text);
    }
  });
  return rows;
}

/**
 * Cards that were waiting or running on this page and that the stored
 * conversation does not know (the server stopped mid-turn, before the turn
 * was saved): they are kept, saying they were interrupted.
 */
export function interruptedCards(live: readonly Row[], restored: readonly Row[]): CommandRow[] {
  const known = new Set(restored.flatMap((r) => (r.kind === 'command' ? [r.callId] : [])));
  return live.flatMap((r) =>
    r.kind === 'command' && (r.state === 'running' || r.state === 'waiting') && !known.has(r.callId) ? [{ ...r, state: 'cancelled' as const, refusal: INTERRUPTED }] : [],
  );
}
