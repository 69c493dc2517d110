/**
 * The approval shows at once: a command that needs approval and gets a
 * preview is asked about immediately, with "Preparing the preview…"; the
 * preview fills in when it is ready; the countdown runs from when the
 * question is shown; and an answer before the preview ends abandons it
 * (its processes are killed). The preview runs for real; the model is scripted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test, type ChatWorld } from './fixtures';
import { pidsWithArgv } from './processes';

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { require_approval: ['sleep*'] } } });

/** Sets the preview's time limit (aios restarts to read it). */
async function previewTimeLimit(world: ChatWorld, seconds: number): Promise<void> {
  fs.appendFileSync(world.configFile, `\n[preview]\ntime_limit_s = ${seconds}\n`);
  await world.restart();
}

function makeBuild(world: ChatWorld): string[] {
  const files = ['build/app.o', 'build/README'];
  for (const rel of files) {
    fs.mkdirSync(path.dirname(path.join(world.work, rel)), { recursive: true });
    fs.writeFileSync(path.join(world.work, rel), `contents of ${rel}\n`);
  }
  return files;
}

test('the question shows at once with "Preparing the preview…", and the preview fills in when ready', async ({ world, page }, testInfo) => {
  await previewTimeLimit(world, 10);
  makeBuild(world);
  // The preview's copy outlasts the preview's time limit: the preview ends by it and says so.
  const command = 'sleep 86.42; rm -rf ./build';
  world.llm.push(
    { text: 'Cleaning. ', toolCalls: [{ name: 'run_command', arguments: { command, reason: 'clean the build' } }] },
    { text: 'Left it alone.' },
  );
  const chat = await ChatPage.open(page, world.url);
  await chat.send('clean the build');

  const dialog = chat.approvalDialog();
  await expect(dialog.root).toBeVisible();
  await expect(dialog.command).toHaveText(command);
  await expect(dialog.root.getByTestId('approval-preview-pending')).toContainText('Preparing the preview');
  await page.screenshot({ path: testInfo.outputPath('approval-preparing-preview.png') });
  // The countdown starts when the question is shown, not when the preview ends.
  await expect(dialog.root.getByTestId('approval-countdown')).toHaveText(/Denied automatically in 1(20|19|18) s/);

  const preview = dialog.root.getByTestId('approval-preview');
  await expect(preview.getByTestId('preview-limits')).toContainText('did not finish within 10 s in the preview');
  await expect(dialog.root.getByTestId('approval-preview-pending')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('approval-preview-filled-in.png') });

  await dialog.denyButton.click();
  await expect(dialog.root).toHaveCount(0);
  await expect(chat.lastAnswer()).toContainText('Left it alone.');
  expect(fs.existsSync(path.join(world.work, 'build/app.o'))).toBe(true);
});

test('answering before the preview ends abandons it: the preview is killed and the answer counts', async ({ world, page }) => {
  await previewTimeLimit(world, 120);
  const files = makeBuild(world);
  const command = 'sleep 97.31; rm -rf ./build';
  world.llm.push(
    { text: 'Cleaning. ', toolCalls: [{ name: 'run_command', arguments: { command, reason: 'clean the build' } }] },
    { text: 'Left it alone.' },
  );
  const chat = await ChatPage.open(page, world.url);
  await chat.send('clean the build');

  const dialog = chat.approvalDialog();
  await expect(dialog.root.getByTestId('approval-preview-pending')).toBeVisible();
  // The preview is running its copy of the command.
  await expect.poll(() => pidsWithArgv(['sleep', '97.31']).length).toBeGreaterThan(0);
  await dialog.denyButton.click();
  await expect(dialog.root).toHaveCount(0);
  await chat.cardFor(command).expectState('refused');
  await expect(chat.lastAnswer()).toContainText('Left it alone.');
  await expect.poll(() => pidsWithArgv(['sleep', '97.31']).length).toBe(0);
  for (const rel of files) expect(fs.existsSync(path.join(world.work, rel))).toBe(true);
  const told = JSON.parse(lastMessage(world.llm.requests[1]!.body, 'tool')) as Record<string, unknown>;
  expect(told).toMatchObject({ ran: false });
});
