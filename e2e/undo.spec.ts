/**
 * The Undo action on a finished card, through `aios web` in Chromium, with
 * `[transactions]` on over the working folder (aios runs as root here, which
 * transactions need): a notify command lands as a transaction, its card says
 * what it changed, and Undo puts the file back; the card then offers Redo,
 * which makes the change again, and Undo once more.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: [], notify: ['echo*'], require_approval: [], deny: [] } } });
test.skip(process.getuid?.() !== 0, 'transactions need aios to run as root');

test('a finished card offers Undo, Undo puts the files back, and the card then offers Redo', async ({ world, page }, testInfo) => {
  fs.appendFileSync(
    world.configFile,
    `\n[transactions]\nenabled = true\npaths = [${JSON.stringify(world.work)}]\nstate_dir = ${JSON.stringify(path.join(world.home, 'tx-state'))}\n`,
  );
  await world.restart();
  const chat = await ChatPage.open(page, world.url);
  const file = world.canary('made.txt');
  await chat.send('!echo made > made.txt');
  const card = chat.cardFor('echo made > made.txt');
  await card.expectState('done');
  await expect(card.root.getByTestId('command-effects')).toHaveText('changed: 1 added (/undo puts it back)');
  expect(fs.readFileSync(file, 'utf8')).toBe('made\n');
  await page.screenshot({ path: testInfo.outputPath('undo-card.png') });
  await card.root.getByRole('button', { name: 'Undo' }).click();
  await expect(chat.messages('system').last()).toContainText('undone: echo made > made.txt (1 deleted)');
  expect(fs.existsSync(file)).toBe(false);
  await expect(card.root.getByRole('button', { name: 'Undo' })).toHaveCount(0);
  await card.root.getByRole('button', { name: 'Redo' }).click();
  await expect(chat.messages('system').last()).toContainText('redone: echo made > made.txt');
  await expect.poll(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8')).toBe('made\n');
  await card.root.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => fs.existsSync(file)).toBe(false);
});
