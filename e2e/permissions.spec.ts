/**
 * Fewer, better questions in the browser: the first hour's harmless
 * commands no rule names run confined without a question (their cards say
 * so); "Always allow" on a question writes a narrow rule into config.toml
 * that stops the next question and shows in /permissions; removing it
 * brings the question back. The model is the scripted stand-in; commands
 * run for real under bubblewrap.
 */
import fs from 'node:fs';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test, type ChatWorld } from './fixtures';

test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: {} } });

function proposes(world: ChatWorld, command: string, then: string): void {
  world.llm.push({ toolCalls: [{ name: 'run_command', arguments: { command, reason: 'the person asked' } }] }, { text: then });
}

test('first-hour commands run confined; always allow is remembered, listed and removed', async ({ world, page }, testInfo) => {
  fs.writeFileSync(`${world.work}/README.md`, 'one\ntwo\nthree\nfour\n');
  const chat = await ChatPage.open(page, world.url);
  const dialog = page.getByRole('dialog', { name: 'Approve command' });

  for (const command of ['seq 5000', 'head -3 README.md', 'sleep 2', 'ls /tmp | head -3']) {
    proposes(world, command, `Ran ${command}.`);
    await chat.send(`please run ${command}`);
    const card = chat.cardFor(command);
    await card.expectState('done');
    await expect(card.root.getByTestId('command-sandbox')).toContainText('confined because no rule covers it');
    // No rule allowed it: the badge says it ran confined, not "auto-allowed".
    await expect(card.root.getByTestId('command-verdict')).toHaveText('confined: no rule');
    await expect(chat.lastAnswer()).toContainText(`Ran ${command}.`);
    await expect(dialog).toHaveCount(0);
  }

  // `ip` acts outside the filesystem, so it is never confined: it asks, in plain words, and offers to remember.
  proposes(world, 'ip addr', 'Listed.');
  await chat.send('show the addresses');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('approval-because')).toContainText('no rule covers `ip`');
  await expect(dialog.getByTestId('approval-remember')).toContainText('ip addr');
  await expect(dialog.getByTestId('approval-remember')).toContainText(world.configFile);
  await page.screenshot({ path: testInfo.outputPath('always-allow.png') });
  await dialog.getByTestId('approval-always').click();
  await expect(dialog).toHaveCount(0);
  await expect(chat.lastAnswer()).toContainText('Listed.');
  expect(fs.readFileSync(world.configFile, 'utf8')).toContain('"ip addr"');

  proposes(world, 'ip addr', 'Listed again.');
  await chat.send('again please');
  await expect(chat.lastAnswer()).toContainText('Listed again.');
  await expect(dialog).toHaveCount(0);

  await chat.send('/permissions');
  await expect(chat.conversation).toContainText(/1\.\s+auto_allow\s+"ip addr"/);
  await chat.send('/permissions remove 1');
  await expect(chat.conversation).toContainText('Removed auto_allow "ip addr"');
  expect(fs.readFileSync(world.configFile, 'utf8')).not.toContain('"ip addr"');

  proposes(world, 'ip addr', 'Not listed.');
  await chat.send('once more');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Deny', exact: true }).click();
  await expect(chat.lastAnswer()).toContainText('Not listed.');
});

test('a command the jail stopped offers to run again unconfined, which asks first', async ({ page, world }, testInfo) => {
  // Outside the working tree and outside /tmp (the jail's /tmp is private): read-only in the jail.
  const outside = fs.mkdtempSync('/var/tmp/aios-e2e-unconfined-');
  try {
    const target = `${outside}/made`;
    const command = `mkfifo ${target}`;
    const chat = await ChatPage.open(page, world.url);
    const dialog = page.getByRole('dialog', { name: 'Approve command' });
    proposes(world, command, 'The jail stopped it.');
    await chat.send('make a fifo there');
    const card = chat.cardFor(command);
    await expect(card.root).toHaveAttribute('data-outcome', 'failed');
    await expect(card.root.getByTestId('command-jail-failure')).toContainText('a write outside the working tree was refused');
    await expect(dialog).toHaveCount(0);
    expect(fs.existsSync(target)).toBe(false);
    await page.screenshot({ path: testInfo.outputPath('jail-stopped-card.png') });
    await card.root.getByTestId('run-unconfined').click();
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(command);
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(chat.cards()).toHaveCount(2);
    await expect(chat.lastCard().root).toHaveAttribute('data-outcome', 'ok');
    expect(fs.statSync(target).isFIFO()).toBe(true);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('df in the quiet jail says its card is a confined view', async ({ page, world }) => {
  const chat = await ChatPage.open(page, world.url);
  proposes(world, 'df -h', 'Here is the disk.');
  await chat.send('how full is the disk?');
  const card = chat.cardFor('df -h');
  await card.expectState('done');
  await expect(card.root.getByTestId('command-sandbox')).toContainText('confined');
  await expect(card.root.getByTestId('command-confined-view')).toContainText('confined view: the jail’s own /tmp');
});
