/**
 * The conversation as pure functions: (state, event) → new state. Rows are
 * immutable, so a row that did not change keeps its identity and its React
 * component skips rendering; only the changed slots of `rows` are replaced.
 */
import type { EventPayload } from '../../../shared/contract';
import { finalState, newCard, refusalText } from './format';
import { StreamText } from './stream-text';
import type { ChatData, CommandRow, MessageRole, MessageRow, OutputChunk, Row } from './types';

/** What one card keeps on the page; longer output loses its head. */
export const MAX_OUTPUT_CHARS = 200_000;

function mint(s: ChatData): [string, ChatData] {
  return [`~${s.seq}`, { ...s, seq: s.seq + 1 }];
}

function findIndex(rows: Row[], pred: (r: Row) => boolean): number {
  // Updates concern recent rows: search from the end.
  for (let i = rows.length - 1; i >= 0; i--) if (pred(rows[i]!)) return i;
  return -1;
}

function replaceAt(rows: Row[], i: number, row: Row): Row[] {
  const next = rows.slice();
  next[i] = row;
  return next;
}

function liveCardIndex(s: ChatData, callId: string): number {
  return findIndex(s.rows, (r) => r.kind === 'command' && !r.restored && r.callId === callId);
}

export function addMessage(
  s: ChatData,
  role: MessageRole,
  text: string,
  extra: Partial<Pick<MessageRow, 'turnId' | 'level'>> = {},
): ChatData {
  const [id, t] = mint(s);
  const row: MessageRow = {
    kind: 'message',
    id,
    role,
    text,
    streaming: false,
    turnId: extra.turnId ?? null,
    ...(extra.level ? { level: extra.level } : {}),
  };
  return { ...t, rows: [...t.rows, row] };
}

export function appendDelta(s: ChatData, turnId: string, text: string): ChatData {
  if (text === '') return s;
  if (s.streamingId) {
    const i = findIndex(s.rows, (r) => r.id === s.streamingId);
    const row = s.rows[i];
    if (row && row.kind === 'message' && row.turnId === turnId) {
      // `text` is joined but not read while streaming (reading it would copy all of it); the page reads `stream`.
      return {
        ...s,
        rows: replaceAt(s.rows, i, { ...row, text: row.text + text, stream: (row.stream ?? StreamText.of(row.text)).append(text) }),
      };
    }
  }
  const [id, t] = mint(endStream(s));
  const row: MessageRow = { kind: 'message', id, role: 'assistant', text, stream: StreamText.of(text), streaming: true, turnId };
  return { ...t, rows: [...t.rows, row], streamingId: id };
}

/** More of the model's reasoning: it grows the turn's open reasoning row, or starts one. */
export function appendReasoning(s0: ChatData, turnId: string, text: string): ChatData {
  if (text === '') return s0;
  const last = s0.rows[s0.rows.length - 1];
  if (last?.kind === 'reasoning' && last.streaming && last.turnId === turnId) {
    return { ...s0, rows: replaceAt(s0.rows, s0.rows.length - 1, { ...last, text: last.text + text }) };
  }
  const [id, t] = mint(endStream(s0));
  return { ...t, rows: [...t.rows, { kind: 'reasoning', id, turnId, text, streaming: true }] };
}

/** Reasoning is over once anything else arrives. */
function endReasoning(s: ChatData): ChatData {
  const last = s.rows[s.rows.length - 1];
  if (last?.kind !== 'reasoning' || !last.streaming) return s;
  return { ...s, rows: replaceAt(s.rows, s.rows.length - 1, { ...last, streaming: false }) };
}

/** The streamed answer is complete (a tool call, a notice or the end of the turn follows). */
export function endStream(s0: ChatData): ChatData {
  const s = endReasoning(s0);
  if (!s.streamingId) return s;
  const i = findIndex(s.rows, (r) => r.id === s.streamingId);
  const row = s.rows[i];
  if (!row || row.kind !== 'message') return { ...s, streamingId: null };
  return { ...s, streamingId: null, rows: replaceAt(s.rows, i, { ...row, streaming: false }) };
}

/** Finds the live card for `callId` or appends one, then applies `patch`. */
function upsertCard(s: ChatData, callId: string, turnId: string | null, command: string, patch: (c: CommandRow) => CommandRow): ChatData {
  const i = liveCardIndex(s, callId);
  const row = s.rows[i];
  if (row && row.kind === 'command') return { ...s, rows: replaceAt(s.rows, i, patch(row)) };
  const [id, t] = mint(s);
  return { ...t, rows: [...t.rows, patch(newCard(id, callId, turnId, command))] };
}

export function toolCall(s0: ChatData, p: EventPayload<'chat.toolCall'>): ChatData {
  const s = endStream(s0);
  const [id, t] = mint(s);
  const judged = p.decision
    ? {
        decision: p.decision,
        rule: p.rule ?? null,
        reasons: p.reasons ?? [],
        state: p.decision === 'deny' ? ('refused' as const) : ('pending' as const),
      }
    : {};
  return {
    ...t,
    rows: [
      ...t.rows,
      {
        kind: 'tool',
        id,
        callId: p.callId,
        turnId: p.turnId,
        name: p.name,
        arguments: p.arguments,
        ...(p.tool ? { tool: p.tool } : {}),
        ...judged,
      },
    ],
  };
}

/** A tool call ran or was refused: its row says so, and its approval (if any) is gone. */
export function toolDone(s: ChatData, p: EventPayload<'chat.toolDone'>): ChatData {
  const i = findIndex(s.rows, (r) => r.kind === 'tool' && r.callId === p.callId);
  const row = s.rows[i];
  const approvals = s.approvals.filter((a) => a.callId !== p.callId);
  if (!row || row.kind !== 'tool') return { ...s, approvals };
  return {
    ...s,
    approvals,
    rows: replaceAt(s.rows, i, { ...row, decision: p.decision, state: p.ran ? 'done' : 'refused', refusal: p.refusal }),
  };
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

export function approvalRequest(s: ChatData, p: EventPayload<'chat.approvalRequest'>, now: number): ChatData {
  if (s.approvals.some((a) => a.requestId === p.requestId)) return s;
  return { ...s, approvals: [...s.approvals, { ...p, receivedAt: now }] };
}

/** The preview of an open question is ready: it fills in, the countdown goes on. */
export function approvalPreview(s: ChatData, p: EventPayload<'chat.approvalPreview'>): ChatData {
  if (!s.approvals.some((a) => a.requestId === p.requestId)) return s;
  return {
    ...s,
    approvals: s.approvals.map((a) => (a.requestId === p.requestId ? { ...a, preview: p.preview, previewPending: false } : a)),
  };
}

/** The person answered (or the request went away): the modal closes; an approval starts the command. */
export function approvalSettled(s: ChatData, requestId: string, approved: boolean | null): ChatData {
  const a = s.approvals.find((x) => x.requestId === requestId);
  if (!a) return s;
  let next: ChatData = { ...s, approvals: s.approvals.filter((x) => x.requestId !== requestId) };
  if (approved) {
    const i = liveCardIndex(next, a.callId);
    const row = next.rows[i];
    if (row && row.kind === 'command' && row.state === 'waiting')
      next = { ...next, rows: replaceAt(next.rows, i, { ...row, state: 'running' }) };
  }
  return next;
}

export function notice(s: ChatData, p: EventPayload<'chat.notice'>): ChatData {
  // About a command whose card (and the notify toast) already says it: a row would only land under the finished card.
  if (p.callId !== undefined && s.rows.some((r) => r.kind === 'command' && r.callId === p.callId)) return s;
  return addMessage(endStream(s), 'notice', p.message, { turnId: p.turnId, level: p.level });
}

/**
 * An error is said once, in the banner above the input. A failed turn also
 * marks its question "no answer", which stays when the banner is dismissed.
 */
export function error(s0: ChatData, p: EventPayload<'chat.error'>): ChatData {
  let s = endStream(s0);
  if (p.turnId !== null) s = markUnanswered(s);
  const [id, t] = mint(s);
  return { ...t, errors: [...t.errors, { id, kind: p.kind, message: p.message }] };
}

function markUnanswered(s: ChatData): ChatData {
  for (let i = s.rows.length - 1; i >= 0; i--) {
    const r = s.rows[i] as Row;
    if (r.kind === 'message' && r.role === 'user') {
      const rows = [...s.rows];
      rows[i] = { ...r, failed: true };
      return { ...s, rows };
    }
  }
  return s;
}

/** Errors that say the provider did not answer; an answer from it makes them stale. */
export const PROVIDER_ERROR_KINDS: ReadonlySet<string> = new Set([
  'auth',
  'rate_limit',
  'server',
  'connection',
  'timeout',
  'stream_cut',
  'bad_request',
  'not_found',
]);

/** The provider answered again: its old failures leave the banner (the turns they failed stay marked). */
export function providerAnswered(s: ChatData): ChatData {
  const errors = s.errors.filter((e) => !PROVIDER_ERROR_KINDS.has(e.kind));
  return errors.length === s.errors.length ? s : { ...s, errors };
}

export function dismissError(s: ChatData, id: string): ChatData {
  return { ...s, errors: s.errors.filter((e) => e.id !== id) };
}

/** A failure of the UI's own call (not a chat.error event): a banner, and a row where it happened. */
export function localError(s: ChatData, kind: string, message: string): ChatData {
  return error(s, { turnId: null, kind, message });
}

export function turnDone(s0: ChatData, p: EventPayload<'chat.turnDone'>): ChatData {
  let s = endStream(s0);
  if (p.status === 'done') s = providerAnswered(s);
  const ours = s.busy && !s.busy.direct && (s.busy.turnId === p.turnId || s.busy.turnId === null);
  if (ours) s = { ...s, busy: null };
  s = { ...s, approvals: s.approvals.filter((a) => a.turnId !== p.turnId) };
  if (p.status === 'cancelled') {
    // Cards the cancel overtook (no chat.commandDone will come for them).
    const rows = s.rows.map((r) =>
      r.kind === 'command' && !r.restored && r.turnId === p.turnId && (r.state === 'waiting' || r.state === 'running')
        ? { ...r, state: 'cancelled' as const }
        : r,
    );
    s = addMessage({ ...s, rows }, 'system', 'Cancelled.', { turnId: p.turnId });
  }
  return s;
}

export function sendStart(s: ChatData, text: string, now: number): ChatData {
  return { ...addMessage(s, 'user', text), busy: { turnId: null, since: now, direct: false } };
}

/** A turn began: the tab that sent it already shows the question; every other tab adds it. */
export function turnStarted(s: ChatData, p: { turnId: string; text: string }): ChatData {
  const mine = s.busy !== null && !s.busy.direct && !s.busy.elsewhere && (s.busy.turnId === null || s.busy.turnId === p.turnId);
  if (mine) return s;
  return addMessage(s, 'user', p.text);
}

export function sendAccepted(s: ChatData, turnId: string): ChatData {
  if (!s.busy || s.busy.direct || s.busy.turnId !== null) return s;
  return { ...s, busy: { ...s.busy, turnId } };
}

export function sendFailed(s: ChatData, message: string): ChatData {
  return localError({ ...s, busy: s.busy && !s.busy.direct ? null : s.busy }, 'send_failed', message);
}

export function directStart(s: ChatData, now: number): ChatData {
  return { ...s, busy: { turnId: null, since: now, direct: true } };
}

export function directDone(s: ChatData): ChatData {
  return s.busy?.direct ? { ...s, busy: null } : s;
}

/** A turn the UI did not start is running (another window, or a reload mid-turn). */
export function busyElsewhere(s: ChatData, busy: boolean, now: number): ChatData {
  if (busy && !s.busy) return { ...s, busy: { turnId: null, since: now, direct: false, elsewhere: true } };
  return s;
}

/**
 * The core's pushed status is the one source of busy for work this UI did not
 * start; work started here is tracked from its own events (send → turnDone,
 * `!cmd` → its answer), which the status can only confirm.
 */
export function followStatus(s: ChatData, coreBusy: boolean, now: number): ChatData {
  if (coreBusy) return busyElsewhere(s, true, now);
  return s.busy?.elsewhere ? { ...s, busy: null } : s;
}

/** Ctrl+L: hide what is on screen; the conversation itself is untouched. */
export function clearView(s0: ChatData): ChatData {
  const s = endStream(s0);
  return addMessage({ ...s, viewStart: s.rows.length }, 'system', 'view cleared (history kept)');
}

/** /clear: the core started a new conversation. */
export function newConversation(s: ChatData): ChatData {
  return addMessage(
    { ...s, rows: [], viewStart: 0, streamingId: null },
    'system',
    'New conversation. The old one stays in the memory file.',
  );
}

/** Rows restored from chat.state go before whatever happened since the page loaded. */
export function restored(s: ChatData, rows: Row[], replace: boolean): ChatData {
  // A reconnect: the core's answer is the whole truth, so questions it no longer asks (a restart took them) go too.
  if (replace) return { ...s, rows, viewStart: 0, streamingId: null, approvals: [] };
  return { ...s, rows: [...rows, ...s.rows], viewStart: s.viewStart === 0 ? 0 : s.viewStart + rows.length };
}

/** The rows the list shows. */
export function visibleRows(s: ChatData): Row[] {
  return s.viewStart === 0 ? s.rows : s.rows.slice(s.viewStart);
}

/** A folded restored message, now whole ("show all" fetched its text). */
export function unfolded(s: ChatData, rowId: string, text: string): ChatData {
  const i = findIndex(s.rows, (r) => r.id === rowId);
  const row = s.rows[i];
  if (!row || row.kind !== 'message' || !row.folded) return s;
  const { folded: _folded, ...rest } = row;
  return { ...s, rows: replaceAt(s.rows, i, { ...rest, text }) };
}
