/** Command cards: a card per command call, from its judgement through its output to its end. */
import type { EventPayload } from '../../../shared/contract';
import { finalState, newCard, refusalText } from './format';
import { liveCardIndex, mint, replaceAt } from './rows';
import { endStream } from './streaming';
import type { ChatData, CommandRow, OutputChunk } from './types';

/** What one card keeps on the page; longer output loses its head. */
export const MAX_OUTPUT_CHARS = 200_000;

/** Finds the live card for `callId` or appends one, then applies `patch`. */
function upsertCard(s: ChatData, callId: string, turnId: string | null, command: string, patch: (c: CommandRow) => CommandRow): ChatData {
  const i = liveCardIndex(s, callId);
  const row = s.rows[i];
  if (row && row.kind === 'command') return { ...s, rows: replaceAt(s.rows, i, patch(row)) };
  const [id, t] = mint(s);
  return { ...t, rows: [...t.rows, patch(newCard(id, callId, turnId, command))] };
}

/** The card once the policy has judged it (also what a restore applies from a stored record). */
export function cardStarted(c: CommandRow, p: EventPayload<'chat.commandStart'>): CommandRow {
  return {
    ...c,
    command: p.command,
    cwd: p.cwd,
    decision: p.decision,
    rule: p.rule,
    reasons: p.reasons,
    ...(p.sandbox ? { sandbox: p.sandbox } : {}),
    ...(p.why ? { why: p.why } : {}),
    // deny is refused at once (chat.commandDone follows with the words).
    state: p.decision === 'require_approval' ? 'waiting' : p.decision === 'deny' ? 'refused' : 'running',
  };
}

export function commandStart(s0: ChatData, p: EventPayload<'chat.commandStart'>): ChatData {
  const s = endStream(s0);
  return upsertCard(s, p.callId, p.turnId, p.command, (c) => cardStarted(c, p));
}

function appendOutput(
  chunks: OutputChunk[],
  dropped: number,
  stream: OutputChunk['stream'],
  data: string,
): { output: OutputChunk[]; droppedChars: number } {
  const last = chunks[chunks.length - 1];
  let output =
    last && last.stream === stream ? [...chunks.slice(0, -1), { stream, data: last.data + data }] : [...chunks, { stream, data }];
  let total = output.reduce((n, c) => n + c.data.length, 0);
  let droppedChars = dropped;
  while (total > MAX_OUTPUT_CHARS && output.length > 0) {
    const first = output[0]!;
    const excess = total - MAX_OUTPUT_CHARS;
    if (first.data.length <= excess) {
      output = output.slice(1);
      total -= first.data.length;
      droppedChars += first.data.length;
    } else {
      output = [{ stream: first.stream, data: first.data.slice(excess) }, ...output.slice(1)];
      total -= excess;
      droppedChars += excess;
    }
  }
  return { output, droppedChars };
}

/** The card with more output; output means it runs, also when the approval was answered elsewhere (Electron's dialog). */
export function cardOutput(row: CommandRow, stream: OutputChunk['stream'], data: string): CommandRow {
  const { output, droppedChars } = appendOutput(row.output, row.droppedChars, stream, data);
  return { ...row, output, droppedChars, state: row.state === 'waiting' ? 'running' : row.state };
}

export function commandOutput(s: ChatData, p: EventPayload<'chat.commandOutput'>): ChatData {
  const i = liveCardIndex(s, p.callId);
  const row = s.rows[i];
  if (!row || row.kind !== 'command') return s;
  return { ...s, rows: replaceAt(s.rows, i, cardOutput(row, p.stream, p.data)) };
}

/** The card once the core says it is over (also what a restore applies from a stored record). */
export function cardDone(c: CommandRow, p: EventPayload<'chat.commandDone'>): CommandRow {
  const state = finalState(p);
  const refused = state === 'refused' || (state === 'cancelled' && !p.ran);
  return {
    ...c,
    decision: p.decision,
    state,
    exitCode: p.exitCode,
    signal: p.signal,
    durationMs: p.ran ? p.durationMs : null,
    refusal: refused ? refusalText(p.decision, c.rule, c.reasons, p.refusal) : p.refusal,
    ...(p.decidedBy ? { decidedBy: p.decidedBy } : {}),
    ...(p.jailFailure ? { jailFailure: p.jailFailure } : {}),
    ...(p.undo ? { undo: p.undo } : {}),
    ...(p.notApplied ? { notApplied: p.notApplied } : {}),
    ...(p.cannotUndo ? { cannotUndo: p.cannotUndo } : {}),
  };
}

export function commandDone(s0: ChatData, p: EventPayload<'chat.commandDone'>): ChatData {
  const s = upsertCard(s0, p.callId, null, p.command, (c) => cardDone(c, p));
  return { ...s, approvals: s.approvals.filter((a) => a.callId !== p.callId) };
}

/** Past policy and approval (also an approval given in Electron's native dialog): the card runs. */
export function commandRunning(s: ChatData, p: EventPayload<'chat.commandRunning'>): ChatData {
  const i = liveCardIndex(s, p.callId);
  const row = s.rows[i];
  if (!row || row.kind !== 'command' || row.state !== 'waiting') return s;
  return { ...s, rows: replaceAt(s.rows, i, { ...row, state: 'running' }) };
}
