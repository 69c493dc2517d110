import type { ConversationStore } from './store';

/** What the model (and a restored card without a record) is told about a call a crash cut off. */
export const INTERRUPTED_BY_CRASH =
  'interrupted: aios stopped (killed or crashed) while this call was waiting or running; it may or may not have finished. Check before running it again.';

/** Tool calls of the conversation's assistant messages that have no result stored, oldest first. */
export function unansweredCalls(store: ConversationStore, conversationId: string, limit = 500): Array<{ id: string; name: string }> {
  const open = new Map<string, string>();
  for (const { message: m } of store.messages(conversationId, limit)) {
    if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      for (const c of m.tool_calls as Array<{ id?: unknown; function?: { name?: unknown } }>) {
        if (typeof c.id === 'string') open.set(c.id, typeof c.function?.name === 'string' ? c.function.name : 'unknown');
      }
    } else if (m.role === 'tool' && typeof m.tool_call_id === 'string') open.delete(m.tool_call_id);
  }
  return [...open].map(([id, name]) => ({ id, name }));
}

/**
 * Gives every call a crashed aios left without a result a result saying it
 * was interrupted, so the next request is one the API accepts and the model
 * knows. Calls a live process is still running (`live`) are left alone.
 * Returns the calls answered.
 */
export function answerInterruptedCalls(
  store: ConversationStore,
  conversationId: string,
  live: ReadonlySet<string>,
): Array<{ id: string; name: string }> {
  const calls = unansweredCalls(store, conversationId).filter((c) => !live.has(c.id));
  if (calls.length > 0) {
    store.append(
      conversationId,
      calls.map((c) => ({
        role: 'tool',
        tool_call_id: c.id,
        name: c.name,
        content: JSON.stringify({ success: false, interrupted: true, error: INTERRUPTED_BY_CRASH }),
      })),
    );
  }
  return calls;
}
