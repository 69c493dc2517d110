/**
 * The stream reader alone, fed chunks as real servers send them (each quirk's
 * source is cited in test/support/quirks.ts), and the request check.
 */
import { describe, expect, it } from 'vitest';
import { checkConversation } from '../../src/core/agent/conversation-check';
import type { ChatMessage } from '../../src/core/agent/llm';
import { StreamReader, type Completion } from '../../src/core/agent/stream-reader';
import type { Frame, Step } from '../support/llm-server';
import * as Q from '../support/quirks';

const TOOLS = ['run_command', 'recall_history'];

function chunkOf(f: Frame): unknown {
  if ('chunk' in f) return f.chunk;
  if ('raw' in f) return JSON.parse(f.raw.replace(/^data: /, ''));
  return { id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: f.delta, finish_reason: f.finish ?? null }] };
}

/** Reads a quirk step's frames; returns what was shown and the completion. */
function read(step: Step, toolNames = TOOLS, taken: string[] = []): { shown: { text: string; reasoning: string }; c: Completion } {
  if (!('frames' in step)) throw new Error('not a frames step');
  const r = new StreamReader({ toolNames, label: 'test server' });
  const shown = { text: '', reasoning: '' };
  const take = (ps: Array<{ kind: 'text' | 'reasoning'; text: string }>) => {
    for (const p of ps) shown[p.kind === 'text' ? 'text' : 'reasoning'] += p.text;
  };
  for (const f of step.frames) take(r.push(chunkOf(f)));
  const { pieces, completion } = r.end(new Set(taken));
  take(pieces);
  return { shown, c: completion };
}

const ls = { name: 'run_command', args: { command: 'ls', reason: 'look' } };
const pwd = { name: 'run_command', args: { command: 'pwd', reason: 'where' } };

describe('tool calls as servers stream them', () => {
  it('Ollama: parallel calls all at index 0 with their own ids stay two calls', () => {
    const { c } = read(Q.ollamaParallelIndexZero([ls, pwd]));
    expect(c.toolCalls.map((t) => [t.id, t.name, JSON.parse(t.arguments).command])).toEqual([
      ['call_ollama0', 'run_command', 'ls'],
      ['call_ollama1', 'run_command', 'pwd'],
    ]);
    expect(c.finishReason).toBe('tool_calls');
  });

  it('no index and no id: each complete call is its own call, with a fresh unique id', () => {
    const { c } = read(Q.noIndexCalls([ls, pwd]));
    expect(c.toolCalls).toHaveLength(2);
    expect(c.toolCalls.map((t) => t.name)).toEqual(['run_command', 'run_command']);
    const ids = c.toolCalls.map((t) => t.id);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^call_[0-9a-f]{24}$/);
  });

  it('the same id twice in one answer, or an id already in the conversation, is made unique', () => {
    const { c } = read(Q.duplicateIds([ls, pwd]), TOOLS, ['call_same']);
    expect(c.toolCalls.map((t) => JSON.parse(t.arguments).command)).toEqual(['ls', 'pwd']);
    const ids = c.toolCalls.map((t) => t.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids).not.toContain('call_same');
  });

  it('the whole name resent in every chunk is set, not appended', () => {
    const { c } = read(Q.nameInEveryChunk(ls));
    expect(c.toolCalls).toEqual([{ id: 'call_nim', name: 'run_command', arguments: JSON.stringify(ls.args) }]);
  });

  it('a name streamed in pieces still becomes the offered tool name', () => {
    const frames: Frame[] = [
      { delta: { tool_calls: [{ index: 0, id: 'g1', function: { name: 'recall_', arguments: '' } }] } },
      { delta: { tool_calls: [{ index: 0, function: { name: 'history', arguments: '{}' } }] } },
    ];
    expect(read({ frames }).c.toolCalls[0]!.name).toBe('recall_history');
  });

  it('arguments sent as an object (llama-server) become JSON text, never [object Object]', () => {
    const { c } = read(Q.objectArguments(ls));
    expect(c.toolCalls[0]!.arguments).toBe(JSON.stringify(ls.args));
  });

  it('arguments that are not a JSON object are never kept as they came', () => {
    const frames: Frame[] = [
      { delta: { tool_calls: [{ index: 0, id: 'b', function: { name: 'run_command', arguments: '{"command": "ls",' } }] } },
      { delta: {}, finish: 'tool_calls' },
    ];
    const call = read({ frames }).c.toolCalls[0]!;
    expect(call.arguments).toBe('{}');
    expect(call.problem).toEqual({ kind: 'unparseable', raw: '{"command": "ls",' });
  });

  it('a call cut by the output limit is reported as cut, not as a schema mistake', () => {
    const { c } = read(Q.lengthMidCall(ls));
    expect(c.finishReason).toBe('length');
    expect(c.toolCalls[0]!.problem?.kind).toBe('cut');
    expect(c.toolCalls[0]!.arguments).toBe('{}');
  });
});

describe('tool calls written as text', () => {
  it('a Hermes <tool_call> block split across chunks becomes a call and is never shown', () => {
    const { shown, c } = read(Q.hermesTextCall(ls, 'Let me look. '));
    expect(shown.text).toBe('Let me look. ');
    expect(c.content).toBe('Let me look. ');
    expect(c.toolCalls).toHaveLength(1);
    expect(c.toolCalls[0]).toMatchObject({ name: 'run_command', arguments: JSON.stringify(ls.args) });
    expect(c.toolParserHint).toBeUndefined();
  });

  it('without tools offered, <tool_call> stays text', () => {
    const { c } = read(Q.hermesTextCall(ls), []);
    expect(c.toolCalls).toHaveLength(0);
    expect(c.content).toContain('<tool_call>');
  });

  it('a malformed <tool_call> block is kept as text and the hint names the server flags', () => {
    const { c } = read({ frames: [{ delta: { content: '<tool_call>{"name": run_command}</tool_call>' } }, { delta: {}, finish: 'stop' }] });
    expect(c.toolCalls).toHaveLength(0);
    expect(c.content).toContain('<tool_call>{"name": run_command}</tool_call>');
    expect(c.toolParserHint).toMatch(/--enable-auto-tool-choice --tool-call-parser hermes/);
    expect(c.toolParserHint).toMatch(/--jinja/);
  });

  it('a fenced JSON block naming a tool is not run, and the person gets the hint', () => {
    const { c } = read(Q.jsonBlockCall(ls));
    expect(c.toolCalls).toHaveLength(0);
    expect(c.toolParserHint).toMatch(/tool-call parser looks off/);
  });
});

describe('reasoning', () => {
  it('<think> tags split across chunks go to reasoning, never to the answer', () => {
    const { shown, c } = read(Q.thinkTagsSplit('the person wants a greeting', 'Hello!'));
    expect(shown.reasoning).toBe('the person wants a greeting');
    expect(shown.text.trim()).toBe('Hello!');
    expect(c.content).not.toContain('think');
    expect(c.reasoningSource).toBe('think_tags');
  });

  it('R1 distills (the template opens <think> in the prompt): text before a lone </think> is not stored as the answer', () => {
    const { c } = read({
      frames: [
        { delta: { content: 'Let me see. The person wants' } },
        { delta: { content: ' a number.</th' } },
        { delta: { content: 'ink>\n\n42' } },
        { delta: {}, finish: 'stop' },
      ],
    });
    expect(c.content.trim()).toBe('42');
    expect(c.reasoning).toBe('Let me see. The person wants a number.');
  });

  it('DeepSeek reasoning_content is reasoning, and its source is kept for the tool round', () => {
    const { c } = read(Q.deepseekReasoning('I should list files', { call: ls }));
    expect(c.reasoning).toBe('I should list files');
    expect(c.reasoningSource).toBe('reasoning_content');
    expect(c.toolCalls).toHaveLength(1);
  });

  it('OpenRouter/Ollama `reasoning` with no answer: only reasoning', () => {
    const { shown, c } = read(Q.reasoningField('hmm, hard', ''));
    expect(shown).toEqual({ text: '', reasoning: 'hmm, hard' });
    expect(c).toMatchObject({ content: '', reasoning: 'hmm, hard', reasoningSource: 'reasoning', finishReason: 'stop' });
  });
});

describe('endings', () => {
  it('[DONE] without finish_reason is a finished answer', () => {
    const { c } = read(Q.doneWithoutFinish('all good'));
    expect(c).toMatchObject({ content: 'all good', finishReason: 'stop' });
  });

  it('an error object in place of a chunk throws with its message', () => {
    const step = Q.errorChunk('out of memory on the GPU');
    expect(() => read(step)).toThrow(/test server sent an error instead of an answer: out of memory on the GPU/);
  });

  it('chunks with no choices (usage) are skipped', () => {
    const { c } = read({
      frames: [{ chunk: { id: 'u', choices: [], usage: { total_tokens: 3 } } }, { delta: { content: 'ok' }, finish: 'stop' }],
    });
    expect(c.content).toBe('ok');
  });
});

describe('the request check', () => {
  const sys: ChatMessage = { role: 'system', content: 'sys' };
  const call = (id: string, args: unknown = '{}') => ({ id, type: 'function', function: { name: 'run_command', arguments: args } });

  it('a sound conversation goes as it is', () => {
    const msgs = [
      sys,
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [call('a')] },
      { role: 'tool', tool_call_id: 'a', content: 'r' },
      { role: 'assistant', content: 'done' },
    ] as ChatMessage[];
    const r = checkConversation(msgs);
    expect(r.repairs).toEqual([]);
    expect(r.messages).toEqual(msgs);
  });

  it('repairs what older rounds stored: two users in a row, duplicate and empty ids, object arguments, a missing result', () => {
    const msgs = [
      sys,
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: null, tool_calls: [call('call_0', { command: 'ls' })] },
      { role: 'tool', tool_call_id: 'call_0', content: 'r1' },
      { role: 'user', content: 'three' },
      { role: 'assistant', content: null, tool_calls: [call('call_0'), call('')] },
      { role: 'tool', tool_call_id: 'call_0', content: 'r2' },
      { role: 'user', content: 'four' },
    ] as unknown as ChatMessage[];
    const { messages, repairs } = checkConversation(msgs);
    expect(repairs.length).toBeGreaterThan(0);
    const roles = messages.map((m) => m.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'user', 'assistant', 'tool', 'tool', 'user']);
    expect(messages[1]!.content).toBe('one\n\ntwo');
    const ids: string[] = [];
    for (const m of messages) {
      if (m.role === 'assistant')
        for (const c of m.tool_calls ?? []) {
          expect(c.id).not.toBe('');
          ids.push(c.id);
          if (c.type === 'function') expect(typeof c.function.arguments).toBe('string');
        }
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Every call has exactly one result, right after it.
    const results = messages.filter((m) => m.role === 'tool').map((m) => (m as { tool_call_id: string }).tool_call_id);
    expect(results.sort()).toEqual([...ids].sort());
    expect(JSON.stringify(messages)).not.toContain('[object Object]');
  });

  it('drops a tool result whose call is not before it', () => {
    const { messages } = checkConversation([
      sys,
      { role: 'tool', tool_call_id: 'x', content: 'stray' },
      { role: 'user', content: 'q' },
    ] as ChatMessage[]);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
  });
});
