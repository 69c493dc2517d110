import { describe, expect, it } from 'vitest';
import { checkConversation } from '../../src/core/agent/conversation-check';
import type { ChatMessage } from '../../src/core/agent/llm';

/** Calls read back from the store are frozen and their arguments normalised once: the request must be what unfrozen copies give. */
function frozen<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) frozen(x);
    Object.freeze(v);
  }
  return v;
}

const call = (id: string, args: string) => ({ id, type: 'function', function: { name: 'run_command', arguments: args } });
const conversation = (): ChatMessage[] =>
  [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'go' },
    { role: 'assistant', content: null, tool_calls: [call('a', ' {"command": "ls"} '), call('b', JSON.stringify('{"command":"pwd"}'))] },
    { role: 'tool', tool_call_id: 'a', content: 'x' },
    { role: 'tool', tool_call_id: 'b', content: 'y' },
    { role: 'assistant', content: null, tool_calls: [call('c', 'not json'), call('a', '')] },
    { role: 'tool', tool_call_id: 'c', content: 'z' },
  ] as unknown as ChatMessage[];

describe('checking frozen (read-back) messages', () => {
  it('gives the request and repairs that unfrozen copies give, on every request', () => {
    const plain = checkConversation(conversation());
    const kept = frozen(conversation());
    for (let i = 0; i < 3; i++) {
      const r = checkConversation(kept);
      expect(r.repairs).toEqual(plain.repairs);
      // The ids a repair makes are new each time: everything else is equal.
      const strip = (ms: ChatMessage[]) => JSON.parse(JSON.stringify(ms).replace(/call_[A-Za-z0-9_-]+/g, 'ID')) as unknown;
      expect(strip(r.messages)).toEqual(strip(plain.messages));
    }
    expect(JSON.stringify(plain.messages)).toContain('{\\"command\\":\\"pwd\\"}');
  });

  it('normalises each stored call by its own arguments', () => {
    const a = frozen([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: null, tool_calls: [call('a', '{"x":1}')] },
      { role: 'tool', tool_call_id: 'a', content: 'r' },
    ]) as unknown as ChatMessage[];
    const b = frozen([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: null, tool_calls: [call('a', '{"x":2}')] },
      { role: 'tool', tool_call_id: 'a', content: 'r' },
    ]) as unknown as ChatMessage[];
    const args = (ms: ChatMessage[]) =>
      checkConversation(ms).messages.flatMap((m) =>
        m.role === 'assistant' ? (m.tool_calls ?? []).map((c) => (c as { function: { arguments: string } }).function.arguments) : [],
      );
    expect(args(a)).toEqual(['{"x":1}']);
    expect(args(b)).toEqual(['{"x":2}']);
    expect(args(a)).toEqual(['{"x":1}']);
  });
});
