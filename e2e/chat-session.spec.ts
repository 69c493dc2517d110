/**
 * The chat across failures and restarts: a provider error and recovery, the
 * first-run setup form with no provider, a malformed config's banner, restoring the conversation after a
 * restart of `aios web`, and the terminal toggle keeping both panes alive.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { lastMessage } from '../test/support/llm-server';
import { REPO_ROOT } from './aios-web';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, expectShellReady, openTerminal, runInTerminal, terminalText, test } from './fixtures';

test('a provider error is said once in a banner, marks the question and the status, and the next message succeeds', async ({
  world,
  page,
}, testInfo) => {
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
  // Once: no copy of the error in the conversation, but the question is marked and the status tells.
  await expect(page.getByText('upstream exploded')).toHaveCount(1);
  await expect(chat.messages('user').filter({ hasText: 'second message' }).getByTestId('unanswered')).toBeVisible();
  await expect(chat.statusPart('provider')).toContainText('not answering');
  await expect(chat.statusPart('provider')).toHaveAttribute('data-health', 'failing');
  await expect(chat.messages('assistant').filter({ hasText: 'First answer.' })).toBeVisible();
  await expect(chat.input).toBeEditable();
  await chat.expectIdle();
  await page.screenshot({ path: testInfo.outputPath('error-banner.png') });

  await banner.getByRole('button', { name: 'Dismiss' }).click();
  await expect(banner).toHaveCount(0);
  await chat.send('third message');
  await expect(chat.lastAnswer()).toContainText('Recovered answer.');
  await expect(chat.statusPart('provider')).toHaveAttribute('data-health', 'ok');
  // The failed turn's question stayed in the conversation the model sees, joined with the next (roles never repeat).
  const told = world.llm.requests[2]!.body.messages.map((m) => m.content);
  expect(told).toEqual(expect.arrayContaining(['first message', 'First answer.', 'second message\n\nthird message']));
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test.describe('no provider', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, provider: 'none', permissions: { auto_allow: ['echo*'] } } });

  test('the setup form tests the server, lists its models, saves [ai] keeping comments, and the chat answers', async ({
    world,
    page,
  }, testInfo) => {
    // The person's own file, with a comment and a rule of their own, must survive the form.
    fs.writeFileSync(world.configFile, `# my machine\n${fs.readFileSync(world.configFile, 'utf8')}`);
    const chat = await ChatPage.open(page, world.url);
    const card = chat.setupCard();
    await expect(card).toBeVisible();
    await expect(card).toContainText(world.configFile);
    await expect(chat.statusPart('provider')).toContainText('no provider');
    await chat.statusPart('provider').click();
    await expect(card).toBeInViewport();

    const closed = await closedPort();
    await card.getByTestId('setup-base-url').fill(`http://127.0.0.1:${closed}/v1`);
    await card.getByTestId('setup-test').click();
    await expect(card.getByTestId('setup-result')).toContainText(`nothing is listening at 127.0.0.1:${closed}: is the server running?`);

    await card.getByTestId('setup-base-url').fill(world.llm.baseUrl);
    await card.getByTestId('setup-test').click();
    await expect(card.getByTestId('setup-result')).toContainText('Connected: 1 model (scripted)');
    await expect(card.getByTestId('setup-model')).toHaveValue('scripted');
    await page.screenshot({ path: testInfo.outputPath('setup-form.png') });

    await card.getByTestId('setup-save').click();
    await expect(card).toBeHidden();
    await expect(chat.statusPart('provider')).toContainText('scripted');
    const text = fs.readFileSync(world.configFile, 'utf8');
    expect(text.startsWith('# my machine\n')).toBe(true);
    expect(text).toContain(`base_url = "${world.llm.baseUrl}"`);
    expect(text).toContain('auto_allow = ["echo*"]');

    world.llm.push({ text: 'Hello, I can answer now.' });
    await chat.send('hello');
    await expect(chat.lastAnswer()).toContainText('Hello, I can answer now.');
  });

  test('!commands run without a provider, and the config opens in the terminal', async ({ world, page }, testInfo) => {
    const chat = await ChatPage.open(page, world.url);
    const card = chat.setupCard();
    await card.getByRole('button', { name: 'Edit the file in the terminal' }).click();
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

  test('a malformed config.toml shows a banner with file:line:col and the safe policy, not the setup form', async ({
    world,
    page,
  }, testInfo) => {
    fs.writeFileSync(world.configFile, '[ai]\nbase_url = "http://127.0.0.1:11434/v1\n');
    await world.restart();
    const chat = await ChatPage.open(page, world.url);
    const banner = page.getByTestId('config-banner');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText(`${world.configFile}:2:`);
    await expect(banner).toContainText('The safe policy is in force');
    await expect(chat.setupCard()).toBeHidden();
    await page.screenshot({ path: testInfo.outputPath('config-error-banner.png') });
    // The safe policy: even an echo waits for approval.
    await chat.send('!echo hi');
    await expect(chat.cardFor('echo hi').root).toHaveAttribute('data-decision', 'require_approval');
  });
});

test('a first start writes the shipped, commented config.toml', async ({ aios }) => {
  const written = fs.readFileSync(path.join(aios.home, '.config', 'syui', 'ai', 'config.toml'), 'utf8');
  expect(written).toBe(fs.readFileSync(path.join(REPO_ROOT, 'cfg', 'config.toml'), 'utf8'));
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
