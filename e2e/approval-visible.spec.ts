/**
 * The web modal renders what the model wrote as text, and shows the
 * characters that would act rather than show: a bidi override that would
 * reverse how the command reads, escape sequences, a zero-width space.
 * Only the model is scripted.
 */
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { require_approval: ['echo*'] } } });

test('the approval modal shows a bidi override, escapes and invisible characters visibly', async ({ world, page }) => {
  const command = 'echo \u202Etxt.exe\x1b[2J r\u200Bm';
  world.llm.push(
    { toolCalls: [{ name: 'run_command', arguments: { command, reason: 'because \u202Eesuaceb' } }] },
    { text: 'Left it alone.' },
  );
  const chat = await ChatPage.open(page, world.url);
  await chat.send('say it');
  const dialog = chat.approvalDialog();
  await expect(dialog.root).toBeVisible();
  await expect(dialog.root.getByTestId('approval-command')).toHaveText('echo \\u{202e}txt.exe^[[2J r\\u{200b}m');
  await expect(dialog.root.getByTestId('approval-why')).toContainText('because \\u{202e}esuaceb');
  await dialog.denyButton.click();
  await expect(chat.lastAnswer()).toContainText('Left it alone.');
});
