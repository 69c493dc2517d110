/**
 * The agent checks each request's messages again only where they differ
 * from the request before: over a conversation that grows as the agent's
 * does (stored messages frozen, the newest not yet saved), with every kind
 * of repair in it, each request is what checkConversation makes of it.
 */
import { describe, expect, it } from 'vitest';
import { checkConversation, ConversationChecker } from '../../src/core/agent/conversation-check';
import type { ChatMessage } from '../../src/core/agent/llm';

type Msg = Record<string, unknown>;

function frozen<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

const call = (id: string, args = '{"command":"ls"}') => ({ id, type: 'function', function: { name: 'run_command', arguments: args } });
/** Ids a repair makes are new each time: everything else must be equal. */
const strip = (x: unknown) => JSON.parse(JSON.stringify(x).replace(/call_[A-Za-z0-9_-]{6,}/g, 'NEW')) as unknown;

/** Rounds as the agent stores them; each is appended unsaved, then read back frozen. */
const ROUNDS: Msg[][] = [
  [{ role: 'user', content: 'go' }],
  [{ role: 'assistant', content: null, tool_calls: [call('a')] }],
  [{ role: 'tool', tool_call_id: 'a', name: 'run_command', content: 'x' }],
  [{ role: 'assistant', content: 'done' }],
  [{ role: 'user', content: 'again' }],
  // An answer that was never stored: two questions in a row.
  [{ role: 'user', content: 'and again' }],
  [{ role: 'assistant', content: null, tool_calls: [call('b'), call('c', 'not json')] }],
  [{ role: 'tool', tool_call_id: 'b', content: 'y' }],
  // A stray result and an empty answer.
  [{ role: 'tool', tool_call_id: 'zz', content: 'stray' }],
  [{ role: 'assistant', content: '' }],
  [{ role: 'assistant', content: 'two answers' }],
  [{ role: 'user', content: 'once more' }],
  // An id used before: repaired with a new one each request.
  [{ role: 'assistant', content: null, tool_calls: [call('a')] }],
  [{ role: 'tool', tool_call_id: 'a', content: 'z' }],
  [{ role: 'assistant', content: 'ok' }],
  [{ role: 'user', content: [{ type: 'text', text: 'parts' }] }],
  [{ role: 'assistant', content: null, tool_calls: [call('d')] }],
  [{ role: 'tool', tool_call_id: 'd', content: 'w' }],
  [{ role: 'assistant', content: 'end' }],
];

describe('checking each request again only where it is new', () => {
  it('gives what checkConversation gives, request after request, saved or not', () => {
    const checker = new ConversationChecker();
    const saved: Msg[] = [];
    for (const round of ROUNDS) {
      // A request while the round waits to be saved (its messages not frozen), then one after it was read back.
      for (const input of [
        [...saved, ...round.map((m) => ({ ...m }))],
        [...saved, ...round.map((m) => frozen(structuredClone(m)))],
      ]) {
        const request = input as unknown as ChatMessage[];
        const got = checker.check(request);
        const want = checkConversation(request);
        expect(strip(got.messages)).toEqual(strip(want.messages));
        expect(got.repairs).toEqual(want.repairs);
        expect(strip([...got.callIds])).toEqual(strip([...want.callIds]));
      }
      saved.push(...round.map((m) => frozen(structuredClone(m))));
    }
  });

  it('looks again at a message not frozen, which may have changed since', () => {
    const checker = new ConversationChecker();
    const saved = ROUNDS.slice(0, 5)
      .flat()
      .map((m) => frozen(structuredClone(m)));
    const waiting: Msg = { role: 'assistant', content: 'draft' };
    const request = [...saved, waiting] as unknown as ChatMessage[];
    expect(checker.check(request).repairs).toEqual([]);
    waiting.content = '';
    expect(checker.check(request).repairs).toEqual(['filled an empty answer']);
  });

  it('starts afresh when the window moves or another conversation is checked', () => {
    const checker = new ConversationChecker();
    const saved = ROUNDS.flat().map((m) => frozen(structuredClone(m)));
    for (const input of [saved, saved.slice(4), saved.slice(0, 8), saved, [...saved.slice(0, 3), ...saved.slice(5)]]) {
      const request = input as unknown as ChatMessage[];
      expect(strip(checker.check(request).messages)).toEqual(strip(checkConversation(request).messages));
    }
  });
});
