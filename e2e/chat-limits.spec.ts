/**
 * Text longer than a message holds: said before sending, kept, and offered as
 * a file the model reads with commands.
 */
import fs from 'node:fs';
import { MAX_CHAT_TEXT } from '../src/shared/contract';
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { expect, test } from './fixtures';

test('a paste over the message limit is not sent as a message: the limit is said first and the text is attached as a file', async ({ world, page }, testInfo) => {
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
  expect(lastMessage(world.llm.requests[0]!.body, 'user')).toMatch(new RegExp(`^\\[attached: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*\\]\\nwhat went wrong\\?$`));
});
