/**
 * Preview before approval in the web modal: the approval for
 * `rm -rf ./build` shows what it would delete before anyone answers, the
 * full list opens on demand, and Deny leaves every file in place. The
 * preview runs for real (namespaces and overlays); only the model is scripted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { require_approval: ['rm*'] } } });

test('the modal shows what rm -rf ./build would delete; Deny keeps every file', async ({ world, page }, testInfo) => {
  const files = ['build/app.o', 'build/lib/util.o', 'build/README'];
  for (const rel of files) {
    fs.mkdirSync(path.dirname(path.join(world.work, rel)), { recursive: true });
    fs.writeFileSync(path.join(world.work, rel), `contents of ${rel}\n`.repeat(100));
  }
  const command = 'rm -rf ./build';
  world.llm.push(
    { text: 'Cleaning. ', toolCalls: [{ name: 'run_command', arguments: { command, reason: 'clean the build' } }] },
    { text: 'Left it alone.' },
  );
  const chat = await ChatPage.open(page, world.url);
  await chat.send('clean the build');

  const dialog = chat.approvalDialog();
  await expect(dialog.root).toBeVisible();
  const preview = dialog.root.getByTestId('approval-preview');
  await expect(preview.getByTestId('preview-lines')).toContainText(/would delete 3 files and 2 directories \([\d.]+ KB\) in \.\/build/);
  for (const rel of files) expect(fs.existsSync(path.join(world.work, rel))).toBe(true);
  await preview.getByText(/^All \d+ changes$/).click();
  for (const rel of files) await expect(preview.getByTestId('preview-changes')).toContainText(`./${rel}`);
  await page.screenshot({ path: testInfo.outputPath('approval-preview.png') });

  await dialog.denyButton.click();
  await expect(dialog.root).toHaveCount(0);
  await expect(chat.lastAnswer()).toContainText('Left it alone.');
  for (const rel of files) expect(fs.existsSync(path.join(world.work, rel))).toBe(true);
  const told = JSON.parse(lastMessage(world.llm.requests[1]!.body, 'tool')) as Record<string, unknown>;
  expect(told).toMatchObject({ ran: false });
  expect(String(told.preview)).toContain('would delete 3 files and 2 directories');
});
