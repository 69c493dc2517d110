/**
 * What the web UI shows is true: a command that fails says "failed" in red,
 * not a green "done"; an approved command reads "approved" and "running"
 * while it runs; long output folds by the same head-and-tail rule as the
 * TTY with a marker saying how many lines are folded; the notify notice
 * does not land as a row under the already-finished card.
 */
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

test.use({
  chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['seq*', 'ls*'], notify: ['echo*'], require_approval: ['sleep*'] } },
});

test('a failed command is red and says "failed"; a good one says "done"', async ({ world, page }, testInfo) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.send('!ls /no/such/dir');
  const bad = chat.cardFor('ls /no/such/dir');
  await bad.expectState('done');
  await expect(bad.root).toHaveAttribute('data-outcome', 'failed');
  await expect(bad.root.getByTestId('command-state')).toHaveText('failed');
  await expect(bad.exit).toHaveAttribute('data-ok', 'false');
  const border = await bad.root.evaluate((el) => getComputedStyle(el).borderLeftColor);
  const red = await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--bad)';
    document.body.append(probe);
    const c = getComputedStyle(probe).color;
    probe.remove();
    return c;
  });
  expect(border).toBe(red);
  await page.screenshot({ path: testInfo.outputPath('failed-card.png') });

  await chat.send('!seq 1 3');
  const good = chat.cardFor('seq 1 3');
  await good.expectState('done');
  await expect(good.root).toHaveAttribute('data-outcome', 'ok');
  await expect(good.root.getByTestId('command-state')).toHaveText('done');
});

test('an approved command reads "approved" and "running" while it runs', async ({ world, page }) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.send('!sleep 3.17');
  const dialog = chat.approvalDialog();
  await dialog.approveButton.click();
  const card = chat.cardFor('sleep 3.17');
  await card.expectState('running');
  await expect(card.root.getByTestId('command-verdict')).toHaveText('approved by you');
  await expect(card.root.getByTestId('command-state')).toHaveText('running');
  await card.expectState('done');
});

test('long output folds to head and tail with "N more lines folded", as in the TTY', async ({ world, page }, testInfo) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.send('!seq 1 500');
  const card = chat.cardFor('seq 1 500');
  await card.expectState('done');
  await expect(card.root.getByTestId('output-folded')).toHaveText('… 450 more lines folded (500 lines in all)');
  const text = await card.output.innerText();
  expect(text).toMatch(/^1\n2\n/);
  expect(text).toMatch(/\n40\n… 450 more lines folded/);
  expect(text).not.toMatch(/(^|\n)41\n/);
  expect(text).toMatch(/\n491\n[\s\S]*\n500\s*$/);
  await page.screenshot({ path: testInfo.outputPath('folded-output.png') });
  await card.root.getByTestId('output-show-all').click();
  await expect(card.root.getByTestId('output-folded')).toHaveCount(0);
});

test('the notify notice is a toast, not a row under the finished card', async ({ world, page }) => {
  world.llm.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'echo hi-there', reason: 'greet' } }] }, { text: 'Said hi.' });
  const chat = await ChatPage.open(page, world.url);
  await chat.send('say hi');
  await chat.cardFor('echo hi-there').expectState('done');
  await expect(chat.lastAnswer()).toContainText('Said hi.');
  await expect(chat.toasts().filter({ hasText: 'echo hi-there' })).toBeVisible();
  await expect(chat.messages('notice')).toHaveCount(0);
});
