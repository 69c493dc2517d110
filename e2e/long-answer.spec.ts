/**
 * No conversation can lock a person out of the browser UI: a 5 MB streamed
 * answer leaves the page answering while it streams, a new tab opens it
 * folded and usable, "show all" fetches the rest on demand, and a new
 * conversation can be started even while a turn hangs.
 */
import type { Page } from '@playwright/test';
import { ChatPage } from './chat-page';
import { expect, test } from './fixtures';

const END = 'THE-END-OF-THE-LONG-ANSWER';

function longAnswer(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const p =
      i % 9 === 4
        ? `- item ${i} of the list\n- another item with **bold** text`
        : `Paragraph ${i}: the service restarted after the package update and the log shows no error in the kernel or network.`;
    parts.push(p);
    size += p.length + 2;
  }
  return `${parts.join('\n\n')}\n\n${END}`;
}

/** A script call into the page; fails if the page does not answer within `ms` (a frozen main thread). */
async function answers(page: Page, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const frozen = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`the page did not answer a script call within ${ms} ms`)), ms)),
  );
  try {
    await Promise.race([page.evaluate('1'), frozen]);
  } finally {
    clearTimeout(timer);
  }
}

test('a 5 MB streamed answer leaves the page responsive, and a new tab opens it folded and usable', async ({ world, page, context }) => {
  test.setTimeout(240_000);
  const text = longAnswer(5_000_000);
  world.llm.push({ text, pieces: 2000, chunkDelayMs: 10 });
  const chat = await ChatPage.open(page, world.url);
  await chat.send('write me a very long answer');
  await expect(chat.streaming()).toHaveCount(1);

  // While it streams, the page keeps answering.
  let calls = 0;
  while ((await chat.streaming().count()) > 0) {
    await answers(page, 10_000);
    calls++;
    await page.waitForTimeout(250);
  }
  expect(calls).toBeGreaterThan(3);
  const answer = chat.lastAssistant();
  await expect(answer).toContainText(END);
  await expect(answer.getByTestId('message-fold')).toContainText('not shown');
  // Blocks the stream pushed past unformatted are formatted once it ends: lists are lists, bold is bold, nothing is left plain.
  await expect(answer.locator('li strong').last()).toBeVisible();
  await expect(answer.locator('.plain-block')).toHaveCount(0);
  await chat.expectIdle();
  await expect(chat.input).toBeEditable();

  // A new tab restores it folded: head, tail, and the middle on demand.
  const second = await context.newPage();
  const chat2 = await ChatPage.open(second, world.url);
  const restored = chat2.lastAssistant();
  await expect(restored).toContainText('Paragraph 0:');
  await expect(restored).toContainText(END);
  const fold = restored.getByTestId('message-fold');
  await expect(fold).toContainText('MB of this message not shown');
  await answers(second, 10_000);
  await fold.getByRole('button', { name: 'Show all' }).click();
  // The whole text is on the page now, still shown folded (its rendering is bounded), with more on demand.
  await expect(restored.getByRole('button', { name: /^Show 200 KB more$/ })).toBeVisible();
  await restored.getByRole('button', { name: /^Show 200 KB more$/ }).click();
  await expect(restored).toContainText('Paragraph 1000:');
  await answers(second, 10_000);
  await expect(chat2.input).toBeEditable();
});

test('"New" starts a new conversation while a turn hangs, and the next question is answered', async ({ world, page }) => {
  world.llm.push({ hang: true });
  const chat = await ChatPage.open(page, world.url);
  await chat.send('this one never gets an answer');
  await expect(chat.statusPart('busy')).toHaveCount(1);
  // The turn is busy before its request reaches the model: "New" must come after the hanging request took its
  // step, or the next question would get the hang instead.
  await expect.poll(() => world.llm.requests.length).toBe(1);
  await page.getByTestId('new-conversation').click();
  await expect(chat.messages('system').filter({ hasText: 'New conversation' })).toHaveCount(1);
  await expect(chat.messages('user')).toHaveCount(0);
  await chat.expectIdle();
  world.llm.push({ text: 'A fresh answer.' });
  await chat.send('hello again');
  await expect(chat.lastAnswer()).toContainText('A fresh answer.');
  // The model saw only the new conversation.
  const told = world.llm.requests.at(-1)!.body.messages.map((m) => m.content);
  expect(told).not.toContain('this one never gets an answer');
});
