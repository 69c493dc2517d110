/**
 * The details of a finished app: text longer than a message holds is said
 * before sending and offered as a file; /help and /history are tables; task
 * lists and the page icon.
 */
import fs from 'node:fs';
import { MAX_CHAT_TEXT } from '../src/shared/contract';
import { slashHelpRows } from '../src/shared/slash';
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

test('a paste over the message limit is not sent as a message: the limit is said first and the text is attached as a file', async ({
  world,
  page,
}, testInfo) => {
  const chat = await ChatPage.open(page, world.url);
  const big = Array.from({ length: 2500 }, (_, i) => `log line ${i} ${'x'.repeat(40)}`).join('\n');
  expect(big.length).toBeGreaterThan(MAX_CHAT_TEXT);
  await chat.input.fill(big);
  const limit = page.getByTestId('composer-limit');
  await expect(limit).toBeVisible();
  await expect(limit).toContainText('a message holds at most 98 KB');
  await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
  await chat.input.press('Enter');
  // Nothing was sent, nothing rendered as a bubble, the text is still there.
  await expect(chat.messages('user')).toHaveCount(0);
  await expect(chat.input).toHaveValue(big);
  await page.screenshot({ path: testInfo.outputPath('composer-limit.png') });

  await page.getByTestId('composer-attach').click();
  await expect(chat.input).toHaveValue(/^\[attached: (\/\S+\.txt) \(2500 lines, \d+ KB\); read it with commands/);
  const file = /^\[attached: (\S+\.txt)/.exec(await chat.input.inputValue())![1]!;
  expect(fs.readFileSync(file, 'utf8')).toBe(big);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);

  world.llm.push({ text: 'I will read it.' });
  await chat.input.press('End');
  await chat.input.pressSequentially('what went wrong?');
  await chat.input.press('Enter');
  await expect(chat.lastAnswer()).toContainText('I will read it.');
  expect(lastMessage(world.llm.requests[0]!.body, 'user')).toMatch(
    new RegExp(`^\\[attached: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*\\]\\nwhat went wrong\\?$`),
  );
});

test('/help and /history are formatted tables, commands shown exactly as run', async ({ world, page }, testInfo) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.send('/help');
  const help = chat.lastMessage('system');
  await expect(help.getByRole('table')).toBeVisible();
  // The header, `!command`, and one row per slash command the web chat offers.
  await expect(help.getByRole('row')).toHaveCount(2 + slashHelpRows('gui').length);
  await chat.send('!echo "a|b" `printf x`');
  await chat.cardFor('echo "a|b" `printf x`').expectState('done');
  await chat.send('/history');
  const history = chat.lastMessage('system');
  await expect(history.getByRole('cell', { name: 'echo "a|b" `printf x`', exact: true })).toBeVisible();
  await expect(history.getByRole('cell', { name: 'auto-allowed' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('history-table.png') });
});

test('task lists show boxes without bullets, and the page has an icon', async ({ world, page }) => {
  const chat = await ChatPage.open(page, world.url);
  world.llm.push({ text: 'Plan:\n\n- [x] install hello\n- [ ] run it\n' });
  await chat.send('plan?');
  const item = chat.lastAnswer().locator('li.task-list-item').first();
  await expect(item).toBeVisible();
  expect(await item.evaluate((el) => getComputedStyle(el).listStyleType)).toBe('none');
  await expect(item.getByRole('checkbox')).toBeChecked();
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  expect(icon).toBe('./favicon.svg');
  const res = await page.request.get(new URL('favicon.svg', page.url()).toString());
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('image/svg+xml');
});

test.describe('long output', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['seq*'] } } });

  test('finished output beyond a screenful is folded to head and tail with "Show all (N lines)"', async ({ world, page }, testInfo) => {
    const chat = await ChatPage.open(page, world.url);
    await chat.send('!seq 1 500');
    const card = chat.cardFor('seq 1 500');
    await card.expectState('done');
    const showAll = card.root.getByTestId('output-show-all');
    await expect(showAll).toHaveText('Show all (500 lines)');
    const folded = await card.output.innerText();
    expect(folded).toContain('\n500');
    expect(folded).toContain('491\n');
    expect(folded).not.toMatch(/(^|\n)490\n/);
    await page.screenshot({ path: testInfo.outputPath('collapsed-output.png') });
    await showAll.click();
    await expect(showAll).toHaveCount(0);
    const whole = await card.output.innerText();
    expect(whole.split('\n').filter((l) => /^\d+$/.test(l))).toHaveLength(500);
  });
});

test('[ui] font_size sets the text size the zoom keys scale', async ({ world, page }) => {
  fs.appendFileSync(world.configFile, '\n[ui]\nfont_size = 20\n');
  await world.restart();
  await ChatPage.open(page, world.url);
  const size = () => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  await expect.poll(size).toBe('20px');
  await page.keyboard.press('Control+Equal');
  await expect.poll(size).toBe('22px');
  await page.keyboard.press('Control+0');
  await expect.poll(size).toBe('20px');
});
