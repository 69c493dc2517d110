/** The streamed answer and reasoning: text growing in the turn's open row until anything else arrives. */
import { findIndex, mint, replaceAt } from './rows';
import { StreamText } from './stream-text';
import type { ChatData, MessageRow } from './types';

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
