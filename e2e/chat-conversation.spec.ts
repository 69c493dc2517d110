/**
 * The conversation itself: a streamed Markdown answer, the composer's keys,
 * the view's keyboard shortcuts, stopping a turn, and the status bar.
 */
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { expect, test } from './fixtures';

const MARKDOWN_ANSWER = [
  '# Release notes',
  '',
  'Here is the plan:',
  '',
  '- first item',
  '- second item',
  '',
  '```sh',
  'echo copied-code',
  '```',
  '',
  '<script>window.__injected = 1</script>',
  '<img src="x" onerror="window.__injected = 2">',
  '',
  'Done.',
].join('\n');

test('a streamed answer is rendered as sanitised Markdown with a working copy button', async ({ world, page, context }, testInfo) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  // Slow chunks, so the streaming state lasts long enough to be seen.
  world.llm.push({ text: MARKDOWN_ANSWER, chunkDelayMs: 400 });
  const chat = await ChatPage.open(page, world.url);
  await chat.send('show me the notes');

  await expect(chat.lastMessage('user')).toContainText('show me the notes');
  await expect(chat.streaming()).toHaveCount(1);
  await expect(chat.streaming()).toHaveAttribute('data-role', 'assistant');
  await expect(chat.streaming()).toHaveCount(0);

  const md = chat.lastAnswer();
  await expect(md.getByRole('heading', { level: 1, name: 'Release notes' })).toBeVisible();
  await expect(md.getByRole('listitem')).toHaveText(['first item', 'second item']);
  const pre = md.locator('pre');
  await expect(pre).toContainText('echo copied-code');
  await expect(md).toContainText('Done.');
  // Raw HTML from the model never becomes live markup.
  await expect(md.locator('script')).toHaveCount(0);
  await expect(md.locator('[onerror]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __injected?: unknown }).__injected)).toBeUndefined();

  // The copy button belongs to the code block (beside its <pre>), one per block.
  await expect(md.getByRole('button', { name: 'Copy code' })).toHaveCount(1);
  await md.getByRole('button', { name: 'Copy code' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('echo copied-code');
  expect(lastMessage(world.llm.requests[0]!.body, 'user')).toBe('show me the notes');
  await page.screenshot({ path: testInfo.outputPath('markdown-answer.png') });
});

test('the composer: ↑/↓ recall inputs, Shift+Enter makes a new line, Japanese text is sent as typed', async ({ world, page }, testInfo) => {
  world.llm.setResponder((body) => ({ text: `echo: ${lastMessage(body, 'user')}` }));
  const chat = await ChatPage.open(page, world.url);
  await chat.send('first question');
  await expect(chat.lastAnswer()).toContainText('echo: first question');
  await chat.send('second question');
  await expect(chat.lastAnswer()).toContainText('echo: second question');

  await expect(chat.input).toHaveValue('');
  await chat.input.press('ArrowUp');
  await expect(chat.input).toHaveValue('second question');
  await chat.input.press('ArrowUp');
  await expect(chat.input).toHaveValue('first question');
  await chat.input.press('ArrowDown');
  await expect(chat.input).toHaveValue('second question');

  // insertText is what an IME commits: one composed string, no key events per character.
  const japanese = '「こんにちは、世界」';
  await chat.input.fill('');
  await chat.input.focus();
  await page.keyboard.insertText(japanese);
  await page.keyboard.press('Enter');
  await expect(chat.lastMessage('user')).toContainText(japanese);
  await expect(chat.lastAnswer()).toContainText(`echo: ${japanese}`);
  expect(lastMessage(world.llm.requests[2]!.body, 'user')).toBe(japanese);
  await page.screenshot({ path: testInfo.outputPath('japanese.png') });

  // The Enter that confirms an IME conversion (isComposing, keyCode 229) must not send.
  await chat.input.fill('にほんご');
  await chat.input.evaluate((el) => {
    el.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true }));
    el.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, isComposing: true, bubbles: true, cancelable: true }),
    );
    el.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: 'にほんご' }));
  });
  await expect(chat.input).toHaveValue('にほんご');
  expect(world.llm.requests).toHaveLength(3);
  await chat.input.fill('');

  await chat.input.fill('line one');
  await chat.input.press('Shift+Enter');
  await chat.input.pressSequentially('line two');
  await expect(chat.input).toHaveValue('line one\nline two');
  await chat.input.press('Enter');
  await expect(chat.lastAnswer()).toContainText('line two');
  expect(lastMessage(world.llm.requests[3]!.body, 'user')).toBe('line one\nline two');
  await expect(chat.input).toHaveValue('');
});

test('an unknown slash command names /help and is not sent to the model', async ({ world, page }) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.send('/frobnicate now');
  await expect(chat.lastMessage('system')).toContainText('/help');
  await expect(chat.messages('user')).toHaveCount(0);
  expect(world.llm.requests).toHaveLength(0);
});

test('Ctrl+L clears the view but not the history: the model still sees it and a reload restores it', async ({ world, page }) => {
  world.llm.setResponder((body) => ({ text: `echo: ${lastMessage(body, 'user')}` }));
  const chat = await ChatPage.open(page, world.url);
  await chat.send('before the clear');
  await expect(chat.lastAnswer()).toContainText('echo: before the clear');

  await page.keyboard.press('Control+KeyL');
  await expect(chat.messages('system').filter({ hasText: 'view cleared (history kept)' })).toBeVisible();
  await expect(chat.messages('user')).toHaveCount(0);
  await expect(chat.messages('assistant')).toHaveCount(0);

  await chat.send('after the clear');
  await expect(chat.lastAnswer()).toContainText('echo: after the clear');
  await expect(chat.messages('user')).toHaveCount(1);
  const told = world.llm.requests[1]!.body.messages.map((m) => m.content);
  expect(told).toContain('before the clear');

  await page.reload();
  await expect(chat.main).toBeVisible();
  await expect(chat.messages('user')).toHaveText([/before the clear/, /after the clear/]);
  await expect(chat.messages('assistant')).toHaveCount(2);
});

test('Ctrl+= / Ctrl+- / Ctrl+0 change the font scale on the root element', async ({ world, page }) => {
  const chat = await ChatPage.open(page, world.url);
  const scale = async () => {
    const v = await chat.fontScale();
    expect(v, 'document.documentElement.dataset.fontScale is set').toBeDefined();
    return Number(v);
  };
  const cssScale = () => page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--font-scale').trim());
  const initial = await scale();
  expect(initial).toBeGreaterThan(0);

  await page.keyboard.press('Control+Equal');
  await expect.poll(scale).toBeGreaterThan(initial);
  expect(Number(await cssScale())).toBeCloseTo(await scale(), 5);

  await page.keyboard.press('Control+Minus');
  await page.keyboard.press('Control+Minus');
  await expect.poll(scale).toBeLessThan(initial);

  await page.keyboard.press('Control+Digit0');
  await expect.poll(scale).toBe(initial);
});

test('the status bar shows provider, memory and machine, and a busy timer that Esc and Stop end', async ({ world, page }, testInfo) => {
  const chat = await ChatPage.open(page, world.url);
  await expect(chat.statusPart('provider')).toContainText('scripted');
  await expect(chat.statusPart('memory')).toContainText('memory');
  await expect(chat.statusPart('machine')).not.toBeEmpty();
  await expect(chat.statusPart('busy')).toHaveCount(0);

  // The model never answers: only a cancel ends this turn.
  world.llm.push({ hang: true });
  await chat.send('this will hang');
  // Cancel only once the request is out: a turn stopped earlier would leave the hang queued for the next one.
  await expect.poll(() => world.llm.requests.length).toBe(1);
  await expect(chat.statusPart('busy')).toBeVisible();
  await expect(chat.statusPart('busy')).toContainText(/\d+\s*s/);
  await expect(chat.stopButton).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('busy.png') });
  await page.keyboard.press('Escape');
  await chat.expectIdle();
  await expect(chat.stopButton).toHaveCount(0);

  world.llm.push({ hang: true });
  await chat.send('hang again');
  await expect.poll(() => world.llm.requests.length).toBe(2);
  await expect(chat.statusPart('busy')).toBeVisible();
  await chat.stopButton.click();
  await chat.expectIdle();

  world.llm.push({ text: 'Answer after the stops.' });
  await chat.send('now answer');
  await expect(chat.lastAnswer()).toContainText('Answer after the stops.');
  await expect(chat.messages('user')).toHaveCount(3);
});
