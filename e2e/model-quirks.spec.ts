/**
 * The web chat against the answers of real servers (the scripted server
 * emits them as test/support/quirks.ts documents, with sources): reasoning
 * folded, parallel and text-form tool calls run as cards, error chunks and
 * cut answers told, and every later request one a strict server accepts.
 */
import type { ChatRequestBody } from '../test/support/llm-server';
import * as Q from '../test/support/quirks';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['printf*'] } } });

const run = (command: string) => ({ name: 'run_command', args: { command, reason: 'test' } });

/** Every call has its one result right after it, ids unique, no user message twice in a row. */
function expectValid(body: ChatRequestBody): void {
  const msgs = body.messages;
  const ids: string[] = [];
  msgs.forEach((m, i) => {
    if (i > 0) expect(`${msgs[i - 1]!.role}>${m.role}`).not.toBe('user>user');
    if (m.role !== 'assistant' || !m.tool_calls) return;
    const results = msgs.slice(i + 1).findIndex((x) => x.role !== 'tool');
    const after = msgs.slice(i + 1, results < 0 ? undefined : i + 1 + results).map((x) => x.tool_call_id);
    expect(after).toEqual(m.tool_calls.map((c) => c.id));
    ids.push(...m.tool_calls.map((c) => c.id));
  });
  expect(new Set(ids).size).toBe(ids.length);
  expect(JSON.stringify(body)).not.toContain('[object Object]');
}

test('reasoning is a collapsed Thinking disclosure; Ollama parallel calls and a <tool_call> block run as cards', async ({
  world,
  page,
}, testInfo) => {
  world.llm.push(Q.thinkTagsSplit('the person wants both files listed', 'Listing them now.'));
  const chat = await ChatPage.open(page, world.url);
  await chat.send('think first');
  await expect(chat.lastAnswer()).toContainText('Listing them now.');
  await expect(chat.lastAnswer()).not.toContainText('the person wants');
  await expect(chat.lastAnswer()).not.toContainText('think>');
  const thought = chat.reasoning().last();
  await expect(thought).toContainText('Thinking');
  await expect(thought).not.toHaveAttribute('open');
  await expect(thought.getByTestId('reasoning-text')).toBeHidden();
  await thought.locator('summary').click();
  await expect(thought.getByTestId('reasoning-text')).toHaveText('the person wants both files listed');

  world.llm.push(
    Q.ollamaParallelIndexZero([run('printf web-one'), run('printf web-two')]),
    Q.hermesTextCall(run('printf web-text'), 'One more. '),
    { text: 'All three ran.' },
  );
  await chat.send('run them');
  await expect(chat.lastAnswer()).toContainText('All three ran.');
  for (const c of ['printf web-one', 'printf web-two', 'printf web-text']) await chat.cardFor(c).expectState('done');
  await expect(chat.conversation).not.toContainText('<tool_call>');
  await expect(chat.conversation).not.toContainText('run_commandrun_command');
  for (const r of world.llm.requests) expectValid(r.body);
  await page.screenshot({ path: testInfo.outputPath('quirks-reasoning-and-calls.png') });
});

test('an error chunk shows its message, a cut answer is told, a tool-less model gets a next step, and the conversation stays valid', async ({
  world,
  page,
}) => {
  world.llm.push(Q.errorChunk('CUDA out of memory'));
  const chat = await ChatPage.open(page, world.url);
  await chat.send('first');
  await expect(chat.errorBanner()).toContainText('sent an error instead of an answer: CUDA out of memory');
  await chat.expectIdle();

  world.llm.push(Q.lengthMidText('The list goes: one, two'));
  await chat.send('a long list');
  await expect(chat.lastMessage('notice')).toContainText("cut off at the model's output token limit");
  await chat.expectIdle();

  world.llm.push(Q.ollamaNoTools('gemma2:2b'));
  await chat.send('again');
  await expect(chat.errorBanner().last()).toContainText('does not support tools');
  await expect(chat.errorBanner().last()).not.toContainText('Try again');
  await chat.expectIdle();

  world.llm.push(Q.doneWithoutFinish('Fine without finish_reason.'), { text: 'Still fine.' });
  await chat.send('no finish');
  await expect(chat.lastAnswer()).toContainText('Fine without finish_reason.');
  await chat.expectIdle();
  await chat.send('and now');
  await expect(chat.lastAnswer()).toContainText('Still fine.');
  const last = world.llm.requests.at(-1)!.body;
  expectValid(last);
  expect(JSON.stringify(last.messages)).toContain('Fine without finish_reason.');
});
