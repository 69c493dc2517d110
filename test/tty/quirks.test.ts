/**
 * `aios chat` in a real pty against the scripted server speaking as real
 * servers do (test/support/quirks.ts cites each behaviour): one test per
 * class of quirk, each checking what the person sees and that the next
 * request is one a strict server accepts.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRequestBody } from '../support/llm-server';
import * as Q from '../support/quirks';
import { chatWorld } from './chat-world';
import type { ChatPty } from './pty-harness';

const DONE = /\[aios\] > $/;
const world = chatWorld({ ai: { request_timeout_s: 3, approval_timeout_s: 60 }, lists: { auto_allow: ['printf*'] } });
const open = () => world.start();

/** Sends a line and waits for the prompt to come back; returns what was printed for it. */
async function ask(c: ChatPty, text: string, until = DONE): Promise<string> {
  const m = c.mark();
  c.type(`${text}\r`);
  await c.waitFor(until, m);
  return c.text().slice(m);
}

const run = (command: string) => ({ name: 'run_command', args: { command, reason: 'test' } });

/** What a strict server checks: roles alternate, every call has exactly one result right after it, ids are unique, arguments are JSON text. */
function expectValid(body: ChatRequestBody): void {
  const msgs = body.messages;
  const ids = new Set<string>();
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (i > 0) expect(`${msgs[i - 1]!.role}>${m.role}`).not.toBe('user>user');
    if (m.role === 'assistant' && m.tool_calls) {
      const results = [];
      for (let j = i + 1; j < msgs.length && msgs[j]!.role === 'tool'; j++) results.push(msgs[j]!.tool_call_id);
      expect(results).toEqual(m.tool_calls.map((c) => c.id));
      for (const c of m.tool_calls) {
        expect(c.id).toMatch(/\S/);
        expect(ids.has(c.id)).toBe(false);
        ids.add(c.id);
        expect(typeof c.function.arguments).toBe('string');
        expect(() => JSON.parse(c.function.arguments)).not.toThrow();
      }
    }
  }
  expect(JSON.stringify(body)).not.toContain('[object Object]');
}

describe('aios chat with the answers of real servers', () => {
  it('(1) streamed tool calls: Ollama parallel calls at index 0, and a name resent in every chunk, each run once', async () => {
    const c = await open();
    world.server.push(Q.ollamaParallelIndexZero([run('printf first-call'), run('printf second-call')]), { text: 'Both ran.' });
    const t = await ask(c, 'run both', /Both ran\.[\s\S]*\[aios\] > $/);
    expect(t).toContain('$ printf first-call');
    expect(t).toContain('$ printf second-call');
    expect(t).not.toMatch(/run_commandrun_command/);
    expectValid(world.server.requests[1]!.body);

    world.server.push(Q.nameInEveryChunk(run('printf nim-call')), { text: 'Done.' });
    const t2 = await ask(c, 'once more', /Done\.[\s\S]*\[aios\] > $/);
    expect(t2).toContain('$ printf nim-call');
    expect(t2).not.toMatch(/unknown tool/);
    expectValid(world.server.requests[3]!.body);
  });

  it('(2) arguments as an object and missing ids: the commands run and every later request stays valid', async () => {
    const c = await open();
    world.server.push(Q.objectArguments(run('printf object-args')), { text: 'ok 1' });
    const t = await ask(c, 'object args', /ok 1[\s\S]*\[aios\] > $/);
    expect(t).toContain('$ printf object-args');
    // Two rounds whose calls carry no id at all (aios used to invent call_0 each time).
    world.server.push(Q.noIndexCalls([run('printf no-id-1')]), Q.noIndexCalls([run('printf no-id-2')]), { text: 'ok 2' });
    await ask(c, 'no ids', /ok 2[\s\S]*\[aios\] > $/);
    world.server.push(Q.duplicateIds([run('printf dup-1'), run('printf dup-2')]), { text: 'ok 3' });
    const t3 = await ask(c, 'duplicate ids', /ok 3[\s\S]*\[aios\] > $/);
    expect(t3).toContain('$ printf dup-2');
    for (const r of world.server.requests) expectValid(r.body);
  });

  it('(3) tool calls written as text: a <tool_call> block runs through the policy; a JSON block gets the tool-parser hint', async () => {
    const c = await open();
    world.server.push(Q.hermesTextCall(run('printf from-text'), 'Checking. '), { text: 'Text call handled.' });
    const t = await ask(c, 'text call', /Text call handled\.[\s\S]*\[aios\] > $/);
    expect(t).toContain('$ printf from-text  [auto-allowed]');
    expect(t).not.toContain('<tool_call>');
    expectValid(world.server.requests[1]!.body);

    world.server.push(Q.jsonBlockCall(run('printf never-run')));
    const t2 = await ask(c, 'json block');
    expect(t2).toMatch(/tool-call parser looks off/);
    expect(t2).toMatch(/--tool-call-parser hermes/);
    expect(t2).not.toContain('$ printf never-run');
  });

  it('(4) reasoning: <think> folded, never shown or stored; DeepSeek reasoning_content sent back on tool rounds; reasoning only is said', async () => {
    const c = await open();
    world.server.push(Q.thinkTagsSplit('the person wants a warm greeting', 'Hello there!'));
    const t = await ask(c, 'greet me', /Hello there![\s\S]*\[aios\] > $/);
    expect(t).toMatch(/▸ thought \(6 words\): the person wants a warm greeting/);
    expect(t).not.toMatch(/<\/?think>/);

    world.server.push(Q.deepseekReasoning('I should run printf', { call: run('printf deepseek') }), { text: 'Ran it.' });
    await ask(c, 'deepseek round', /Ran it\.[\s\S]*\[aios\] > $/);
    const second = world.server.requests.at(-1)!.body.messages as Array<Record<string, unknown>>;
    const toolRound = second.find((m) => m.role === 'assistant' && m.tool_calls);
    expect(toolRound?.reasoning_content).toBe('I should run printf');
    // The first answer went back without its thinking.
    const firstAnswer = second.find((m) => m.role === 'assistant' && !m.tool_calls);
    expect(firstAnswer?.content).not.toMatch(/think|warm greeting/);

    world.server.push(Q.reasoningField('this is hard, let me think more', ''));
    const t3 = await ask(c, 'hard one');
    expect(t3).toMatch(/▸ thought/);
    expect(t3).toMatch(/only reasoned/);
  });

  it('(5) endings: length is told, [DONE] without finish_reason is kept, an error chunk shows its message, silence ends within request_timeout_s', async () => {
    const c = await open();
    world.server.push(Q.lengthMidText('The list goes: one, two'));
    expect(await ask(c, 'long list')).toMatch(/cut off at the model's output token limit/);

    world.server.push(Q.lengthMidCall(run('printf cut-call')));
    const cut = await ask(c, 'cut call');
    expect(cut).toMatch(/tool call was cut off/);
    expect(cut).not.toContain('$ printf cut-call');
    expect(cut).not.toMatch(/schema/);

    world.server.push(Q.doneWithoutFinish('An answer without finish_reason.'));
    const d = await ask(c, 'no finish');
    expect(d).toContain('An answer without finish_reason.');
    expect(d).not.toMatch(/error/);

    world.server.push(Q.errorChunk('CUDA out of memory'));
    expect(await ask(c, 'error chunk')).toMatch(/error: .*sent an error instead of an answer: CUDA out of memory/);

    world.server.push(Q.silentAfterHeaders());
    expect(await ask(c, 'silence')).toMatch(/error: .*went silent for 3 s/);

    world.server.push({ text: 'Still here.' });
    await ask(c, 'after all that', /Still here\.[\s\S]*\[aios\] > $/);
    const last = world.server.requests.at(-1)!.body;
    expectValid(last);
    expect(JSON.stringify(last.messages)).toContain('An answer without finish_reason.');
  });

  it('(6) known provider errors say what to do and do not advise a retry', async () => {
    const c = await open();
    world.server.push(Q.ollamaNoTools('gemma2:2b'));
    const a = await ask(c, 'one');
    expect(a).toMatch(/does not support tools.*Choose a model with tool support/);
    expect(a).not.toMatch(/Try again/);
    world.server.push(Q.llamaServerNoJinja);
    const b = await ask(c, 'two');
    expect(b).toMatch(/--jinja/);
    expect(b).not.toMatch(/Try again/);
    world.server.push(Q.contextTooLong);
    expect(await ask(c, 'three')).toMatch(/longer than model "scripted" can read.*\/clear/);
    world.server.push({ text: 'fine now' });
    await ask(c, 'four', /fine now[\s\S]*\[aios\] > $/);
    expectValid(world.server.requests.at(-1)!.body);
  });
});
