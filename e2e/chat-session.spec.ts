/**
 * The chat across failures and restarts: a provider error and recovery, the
 * first-run setup card with no provider, restoring the conversation after a
 * restart of `aios web`, and the terminal toggle keeping both panes alive.
 */
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, expectShellReady, openTerminal, runInTerminal, terminalText, test } from './fixtures';

test('a provider error shows a banner, keeps the conversation, and the next message succeeds', async ({ world, page }, testInfo) => {
  world.llm.push(
    { text: 'First answer.' },
    { status: 500, body: { error: { message: 'upstream exploded', type: 'server_error', code: null } } },
    { text: 'Recovered answer.' },
  );
  const chat = await ChatPage.open(page, world.url);
  await chat.send('first message');
  await expect(chat.lastAnswer()).toContainText('First answer.');
  await chat.send('second message');

  const banner = chat.errorBanner();
  await expect(banner).toBeVisible();
  await expect(banner).toHaveRole('alert');
  await expect(banner).toContainText('500');
  await expect(banner).toContainText('upstream exploded');
  await expect(chat.messages('user')).toHaveText([/first message/, /second message/]);
  await expect(chat.messages('assistant').filter({ hasText: 'First answer.' })).toBeVisible();
  await expect(chat.input).toBeEditable();
  await chat.expectIdle();
  await page.screenshot({ path: testInfo.outputPath('error-banner.png') });

  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await expect(banner).toHaveCount(0);
  await chat.send('third message');
  await expect(chat.lastAnswer()).toContainText('Recovered answer.');
  // The failed turn's question stayed in the conversation the model sees.
  const told = world.llm.requests[2]!.body.messages.map((m) => m.content);
  expect(told).toEqual(expect.arrayContaining(['first message', 'First answer.', 'second message', 'third message']));
});

test.describe('no provider', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, provider: 'none', permissions: { auto_allow: ['echo*'] } } });

  test('a setup card explains what to set, opens the config in the terminal, and !commands still run', async ({ world, page }, testInfo) => {
    const chat = await ChatPage.open(page, world.url);
    const card = chat.setupCard();
    await expect(card).toBeVisible();
    for (const words of ['config.toml', '[ai]', 'base_url', 'model', 'OPENAI_API_KEY', 'Ollama', world.configFile]) {
      await expect(card).toContainText(words);
    }
    await expect(chat.statusPart('provider')).toContainText('no provider');
    await expect(chat.statusPart('provider')).toHaveRole('button');
    await chat.statusPart('provider').click();
    await expect(card).toBeInViewport();
    await page.screenshot({ path: testInfo.outputPath('setup-card.png') });

    await card.getByRole('button', { name: 'Open config in terminal' }).click();
    await expectShellReady(page);
    // Long lines wrap into rows; the path must be there once the rows are joined.
    await expect.poll(async () => (await terminalText(page)).replace(/\s+/g, '')).toContain(world.configFile);
    await page.screenshot({ path: testInfo.outputPath('setup-terminal.png') });

    await page.keyboard.press('Control+Backquote');
    await expect(page.locator('.terminal-pane')).toBeHidden();
    await chat.send('!echo hi');
    const echo = chat.cardFor('echo hi');
    await echo.expectState('done');
    await expect(echo.root).toHaveAttribute('data-decision', 'auto_allow');
    await expect(echo.output).toContainText('hi');
    await expect(echo.exit).toHaveText(/exit 0/);
    expect(world.llm.requests).toHaveLength(0);
  });
});

test('a restart of aios web restores the conversation with its command card', async ({ world, page }, testInfo) => {
  const command = "printf 'restored-%s\\n' marker";
  world.llm.push(
    { text: 'Checking. ', toolCalls: [{ name: 'run_command', arguments: { command, reason: 'look' } }] },
    { text: 'All **done** here.' },
  );
  let chat = await ChatPage.open(page, world.url);
  await chat.send('please check');
  await chat.cardFor(command).expectState('done');
  await expect(chat.lastAnswer()).toContainText('All done here.');

  await world.restart();
  chat = await ChatPage.open(page, world.url);
  await expect(chat.messages('user')).toHaveText([/please check/]);
  await expect(chat.messages('assistant').filter({ hasText: 'All done here.' })).toBeVisible();
  const card = chat.cardFor(command);
  await card.expectState('done');
  await expect(card.root).toHaveAttribute('data-decision', 'auto_allow');
  await expect(card.output).toContainText('restored-marker');
  await expect(card.exit).toHaveText(/exit 0/);
  await page.screenshot({ path: testInfo.outputPath('restored.png') });

  // The restarted core continues the same conversation.
  world.llm.push({ text: 'Hello again.' });
  await chat.send('still there?');
  await expect(chat.lastAnswer()).toContainText('Hello again.');
  const after = world.llm.requests.at(-1)!.body;
  expect(lastMessage(after, 'user')).toBe('still there?');
  expect(after.messages.map((m) => m.content)).toContain('please check');
});

test('toggling the terminal keeps both the chat and the shell', async ({ world, page }, testInfo) => {
  world.llm.push({ text: 'Kept answer.' });
  const chat = await ChatPage.open(page, world.url);
  await chat.send('remember me');
  await expect(chat.lastAnswer()).toContainText('Kept answer.');

  await openTerminal(page);
  await runInTerminal(page, 'echo "shell-kept-$((6*7))"');
  await expect.poll(() => terminalText(page)).toMatch(/^shell-kept-42\s*$/m);
  await page.screenshot({ path: testInfo.outputPath('terminal.png') });

  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toBeHidden();
  await expect(chat.messages('user').filter({ hasText: 'remember me' })).toBeVisible();
  await expect(chat.messages('assistant').filter({ hasText: 'Kept answer.' })).toBeVisible();

  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toBeVisible();
  await expect.poll(() => terminalText(page)).toMatch(/^shell-kept-42\s*$/m);

  await page.keyboard.press('Control+Backquote');
  world.llm.push({ text: 'Second answer.' });
  await chat.send('and again');
  await expect(chat.lastAnswer()).toContainText('Second answer.');
  await expect(chat.messages('user')).toHaveCount(2);
});
