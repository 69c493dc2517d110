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

  it('checks a stored group afresh when an earlier message of the request took its id', () => {
    const group = frozen([
      { role: 'assistant', content: null, tool_calls: [call('a', '{"x":1}')] },
      { role: 'tool', tool_call_id: 'a', content: 'r' },
    ]);
    const alone = checkConversation([{ role: 'user', content: 'q' }, ...group] as unknown as ChatMessage[]);
    expect(alone.repairs).toEqual([]);
    const ids = (ms: ChatMessage[]) => ms.filter((m) => m.role === 'tool').map((m) => (m as { tool_call_id: string }).tool_call_id);
    expect(ids(alone.messages)).toEqual(['a']);
    const earlier = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: null, tool_calls: [call('a', '{"x":0}')] },
      { role: 'tool', tool_call_id: 'a', content: 'r0' },
      { role: 'user', content: 'q2' },
    ];
    const both = checkConversation([...earlier, ...group] as unknown as ChatMessage[]);
    expect(both.repairs).toEqual(['gave a tool call a unique id']);
    const [first, second] = ids(both.messages);
    expect(first).toBe('a');
    expect(second).not.toBe('a');
    // And alone again, the group is what it was.
    expect(checkConversation([{ role: 'user', content: 'q' }, ...group] as unknown as ChatMessage[])).toEqual(alone);
  });

  it('checks a stored group afresh when its results are other objects', () => {
    const calls = frozen({ role: 'assistant', content: null, tool_calls: [call('a', '{}')] });
    const one = checkConversation([
      { role: 'user', content: 'q' },
      calls,
      frozen({ role: 'tool', tool_call_id: 'a', content: 'first' }),
    ] as unknown as ChatMessage[]);
    const two = checkConversation([
      { role: 'user', content: 'q' },
      calls,
      frozen({ role: 'tool', tool_call_id: 'a', content: 'second' }),
    ] as unknown as ChatMessage[]);
    const none = checkConversation([{ role: 'user', content: 'q' }, calls] as unknown as ChatMessage[]);
    expect(one.messages.at(-1)).toMatchObject({ content: 'first' });
    expect(two.messages.at(-1)).toMatchObject({ content: 'second' });
    expect(none.repairs).toEqual(['added the missing result of a tool call']);
  });
});
