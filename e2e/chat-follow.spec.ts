/**
 * The conversation follows a streaming answer while the person is at its
 * end, leaves them where they are once they scroll up (however much more
 * streams in), offers the way back, and follows again from there.
 */
import type { Locator } from '@playwright/test';
import { ChatPage } from './chat-page';
import { expect, test } from './fixtures';

const END = 'THE-LAST-PARAGRAPH';

function answer(paragraphs: number): string {
  const out: string[] = [];
  for (let i = 0; i < paragraphs; i++)
    out.push(`Paragraph ${i}: the service restarted after the package update and the log shows no error in the kernel or network.`);
  return `${out.join('\n\n')}\n\n${END}`;
}

/** How far the view is from the end of the conversation (px). */
const fromEnd = (log: Locator) => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
const scrollTop = (log: Locator) => log.evaluate((el) => el.scrollTop);

test('a streaming answer is followed at the end, left alone after a scroll up, and "Jump to latest" follows it again', async ({
  world,
  page,
}) => {
  test.setTimeout(120_000);
  // About 25 s of streaming, a few lines a second: long enough to scroll away and back while it runs
  // (44 KB, under the size at which a message is folded).
  world.llm.push({ text: answer(380), pieces: 1000, chunkDelayMs: 25 });
  const chat = await ChatPage.open(page, world.url);
  const log = chat.conversation;
  await chat.send('write a long answer');
  await expect(chat.streaming()).toHaveCount(1);
  await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.clientHeight), { timeout: 20_000 }).toBeGreaterThan(1500);

  // At the end, the view keeps up with the text as it grows (within a frame's growth).
  for (let i = 0; i < 4; i++) {
    expect(await fromEnd(log)).toBeLessThan(120);
    await page.waitForTimeout(250);
  }
  const jump = page.getByRole('button', { name: 'Jump to latest ↓' });
  await expect(jump).toHaveCount(0);

  // A scroll up lets go: the view stays where the person put it while the answer grows below.
  await log.hover();
  await page.mouse.wheel(0, -800);
  await expect(jump).toBeVisible();
  const held = await scrollTop(log);
  const grownFrom = await log.evaluate((el) => el.scrollHeight);
  await expect.poll(() => log.evaluate((el) => el.scrollHeight)).toBeGreaterThan(grownFrom + 200);
  expect(Math.abs((await scrollTop(log)) - held)).toBeLessThan(2);
  expect(await fromEnd(log)).toBeGreaterThan(400);
  await expect(chat.streaming()).toHaveCount(1);

  // The way back, and following again from there.
  await jump.click();
  await expect(jump).toHaveCount(0);
  await expect.poll(() => fromEnd(log)).toBeLessThan(120);
  const rejoined = await log.evaluate((el) => el.scrollHeight);
  await expect.poll(() => log.evaluate((el) => el.scrollHeight)).toBeGreaterThan(rejoined + 200);
  expect(await fromEnd(log)).toBeLessThan(120);

  await expect(chat.streaming()).toHaveCount(0, { timeout: 60_000 });
  await chat.expectIdle();
  await expect(chat.lastAnswer()).toContainText(END);
  await expect.poll(() => fromEnd(log)).toBeLessThan(2);
  await expect(chat.lastAnswer().getByText(END)).toBeInViewport();

  // Scrolled up, the person sends something: the view goes to it.
  await page.mouse.wheel(0, -1500);
  await expect(jump).toBeVisible();
  world.llm.push({ text: 'A short answer.' });
  await chat.send('one more question');
  await expect(chat.lastAnswer()).toContainText('A short answer.');
  await expect(chat.lastAnswer()).toBeInViewport();
  await expect(jump).toHaveCount(0);
});
