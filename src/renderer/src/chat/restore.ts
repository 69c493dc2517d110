/**
 * chat.state → rows: the stored conversation rebuilt as the person saw it,
 * with a command card for every run_command call and its result.
 */
import { RUN_COMMAND, type ConversationItem, type CommandRecord } from '../../../shared/contract';
import { newCard } from './format';
import { cardDone, cardOutput, cardStarted } from './reducer';
import type { CommandRow, Row } from './types';

/** A command without a stored result: aios (or the web server) stopped while it ran. */
export const INTERRUPTED = 'interrupted: aios stopped while this command was running';
/**
 * A command the conversation holds a result for but no record of (a record
 * that could not be written or read): the card does not guess its outcome
 * from the text the model was given, whose format is the core's business.
 */
export const UNRECORDED = 'no record of how this command ended was kept';

/** The model's run_command arguments: the command line and its reason, as the call itself carries them. */
function callOf(args: string): { command: string; why?: string } {
  let a: unknown;
  try {
    a = JSON.parse(args);
  } catch {
    return { command: args };
  }
  const o = a !== null && typeof a === 'object' ? (a as Record<string, unknown>) : {};
  const command = typeof o.command === 'string' ? o.command : args;
  const why = typeof o.reason === 'string' ? o.reason.trim() : '';
  return why ? { command, why } : { command };
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
      rows.push({
        kind: 'message',
        id,
        role: 'user',
        text: item.text,
        streaming: false,
        turnId: null,
        ...(answered ? {} : { failed: true }),
        ...foldedOf(item),
      });
    } else if (item.role === 'assistant') {
      awaiting = [];
      if (item.text.trim() !== '')
        rows.push({ kind: 'message', id, role: 'assistant', text: item.text, streaming: false, turnId: null, ...foldedOf(item) });
      (item.toolCalls ?? []).forEach((c, k) => {
        const cid = `${id}.${k}`;
        const record = c.name === RUN_COMMAND ? recordOf.get(c.id) : undefined;
        if (record) {
          awaiting.push({ name: c.name, rowIndex: null });
          rows.push(cardFromRecord(cid, record));
        } else if (c.name === RUN_COMMAND) {
          // No record: without a stored result it never finished (the app stopped mid-command).
          awaiting.push({ name: c.name, rowIndex: rows.length });
          const { command, why } = callOf(c.arguments);
          const card: CommandRow = { ...newCard(cid, c.id, null, command, { state: 'cancelled' }), why };
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
      if (card?.kind === 'command') rows[next.rowIndex] = { ...card, state: 'done', refusal: UNRECORDED };
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
    r.kind === 'command' && (r.state === 'running' || r.state === 'waiting') && !known.has(r.callId)
      ? [{ ...r, state: 'cancelled' as const, refusal: INTERRUPTED }]
      : [],
  );
}
