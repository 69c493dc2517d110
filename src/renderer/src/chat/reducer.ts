/**
 * The conversation as pure functions: (state, event) → new state. Rows are
 * immutable, so a row that did not change keeps its identity and its React
 * component skips rendering; only the changed slots of `rows` are replaced.
 */
import type { EventPayload } from '../../../shared/contract';
import { findIndex, liveCardIndex, mint, replaceAt } from './rows';
import { endStream } from './streaming';
import type { ChatData, MessageRole, MessageRow, Row } from './types';

export * from './cards';
export * from './streaming';

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
