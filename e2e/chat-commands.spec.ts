/**
 * Commands the model proposes, end to end: the policy's four answers, the
 * approval modal, cancelling a running command, and that nothing but a
 * pending, single-use request id can approve. Canary files prove what ran.
 */
import fs from 'node:fs';
import { lastMessage, type LlmServer } from '../test/support/llm-server';
import { callFromPage, recordBridgeEvents } from './bridge-probe';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';
import { pidsWithArgv } from './processes';

function proposes(llm: LlmServer, command: string, then = 'Finished.'): void {
  llm.push(
    { text: 'Let me do that. ', toolCalls: [{ name: 'run_command', arguments: { command, reason: 'the person asked' } }] },
    { text: then },
  );
}

/** What the model was told about its command, from the second request's tool message. */
function toldToModel(llm: LlmServer): Record<string, unknown> {
  const second = llm.requests[1];
  if (!second)
    throw new Error(`the model was asked ${llm.requests.length} time(s); expected a second request carrying the command's result`);
  return JSON.parse(lastMessage(second.body, 'tool')) as Record<string, unknown>;
}

test.describe('notify', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { notify: ['touch*'] } } });

  test('a notify command runs without asking, its card names the rule and a toast tells the person', async ({ world, page }, testInfo) => {
    const canary = world.canary('notified');
    const command = `touch ${canary}`;
    proposes(world.llm, command, 'The file **exists** now.');
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the canary file');

    await expect(chat.toasts().filter({ hasText: command })).toBeVisible();
    const card = chat.cardFor(command);
    await card.expectState('done');
    await expect(card.root).toHaveAttribute('data-decision', 'notify');
    await expect(card.rule).toContainText('notify');
    await expect(card.rule).toContainText('touch*');
    await expect(card.exit).toHaveText(/exit 0/);
    await expect(card.duration).not.toBeEmpty();
    expect(fs.existsSync(canary)).toBe(true);
    await expect(chat.lastAnswer()).toContainText('The file exists now.');
    await expect(chat.approvalDialog().root).toHaveCount(0);
    expect(toldToModel(world.llm)).toMatchObject({ ran: true, decision: 'notify', exit_code: 0 });
    await page.screenshot({ path: testInfo.outputPath('chat-with-cards.png') });

    // The notice does not stay: it goes away by itself.
    await expect(chat.toasts()).toHaveCount(0, { timeout: 20_000 });
  });
});

test.describe('require_approval', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['echo*'], require_approval: ['touch*'] } } });

  test("the approval modal shows command, the AI's reason, cwd and the rule once with Deny focused; Approve runs it and says who decided", async ({
    world,
    page,
  }, testInfo) => {
    const canary = world.canary('approved');
    const command = `touch ${canary}`;
    proposes(world.llm, command, 'Approved and done.');
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the approved file');

    const dialog = chat.approvalDialog();
    await expect(dialog.root).toBeVisible();
    await expect(dialog.root).toHaveAttribute('aria-modal', 'true');
    await expect(dialog.command).toHaveText(command);
    await expect(dialog.cwd).toHaveText(world.work);
    await expect(dialog.rule).toContainText('require_approval');
    await expect(dialog.rule).toContainText('touch*');
    await expect(dialog.root.getByTestId('approval-why')).toHaveText('The AI says why: the person asked');
    // Plain words in front; the rule behind the disclosure, said once there.
    await expect(dialog.root.getByTestId('approval-because')).toContainText('your rules ask before commands like this');
    expect((await dialog.root.innerText()).split('touch*').length - 1).toBe(0);
    await expect(dialog.denyButton).toBeFocused();
    await dialog.root.getByTestId('approval-details').locator('summary').click();
    expect((await dialog.root.innerText()).split('touch*').length - 1).toBe(1);
    const card = chat.cardFor(command);
    await card.expectState('waiting');
    await expect(card.root).toHaveAttribute('data-decision', 'require_approval');
    await expect(card.root.getByTestId('command-why')).toHaveText('AI: the person asked');
    await expect(card.root.getByTestId('command-verdict')).toHaveText('needs approval');
    expect(fs.existsSync(canary)).toBe(false);
    await page.screenshot({ path: testInfo.outputPath('approval-modal.png') });

    await dialog.approveButton.click();
    await expect(dialog.root).toHaveCount(0);
    await card.expectState('done');
    await expect(card.exit).toHaveText(/exit 0/);
    await expect(card.root.getByTestId('command-verdict')).toHaveText('approved by you');
    expect(fs.existsSync(canary)).toBe(true);
    await expect(chat.lastAnswer()).toContainText('Approved and done.');
    expect(toldToModel(world.llm)).toMatchObject({ ran: true, exit_code: 0 });
    await chat.send('/history');
    await expect(chat.lastMessage('system').getByRole('cell', { name: 'approved by you' })).toBeVisible();
    // A reload rebuilds the card from the stored conversation with the same facts.
    await page.reload();
    const again = await ChatPage.open(page, page.url());
    const restored = again.cardFor(command);
    await expect(restored.root.getByTestId('command-verdict')).toHaveText('approved by you');
    await expect(restored.root.getByTestId('command-why')).toHaveText('AI: the person asked');
  });

  test('a page reloaded while a question waits shows it again, and its answer still counts', async ({ world, page }) => {
    const canary = world.canary('after-reload');
    const command = `touch ${canary}`;
    proposes(world.llm, command, 'Done after the reload.');
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the file, I will reload');
    await expect(chat.approvalDialog().root).toBeVisible();

    await page.reload();
    const again = await ChatPage.open(page, page.url());
    const dialog = again.approvalDialog();
    await expect(dialog.root).toBeVisible();
    await expect(dialog.command).toHaveText(command);
    await expect(dialog.denyButton).toBeFocused();
    expect(fs.existsSync(canary)).toBe(false);
    await dialog.approveButton.click();
    await expect(dialog.root).toHaveCount(0);
    await expect(again.lastAnswer()).toContainText('Done after the reload.');
    expect(fs.existsSync(canary)).toBe(true);
  });

  for (const how of ['the Deny button', 'Esc'] as const) {
    test(`declining with ${how} runs nothing, the card says declined and the model is told`, async ({ world, page }) => {
      const canary = world.canary('declined');
      const command = `touch ${canary}`;
      proposes(world.llm, command, 'Understood, I did not create it.');
      const chat = await ChatPage.open(page, world.url);
      await chat.send('make the declined file');

      const dialog = chat.approvalDialog();
      await expect(dialog.denyButton).toBeFocused();
      if (how === 'Esc') await page.keyboard.press('Escape');
      else await dialog.denyButton.click();

      await expect(dialog.root).toHaveCount(0);
      const card = chat.cardFor(command);
      await card.expectState('refused');
      await expect(card.refusal).toContainText('declined');
      // The turn went on (Esc answered the dialog, it did not cancel the turn): the model was told and answered.
      await expect(chat.lastAnswer()).toContainText('Understood, I did not create it.');
      const told = toldToModel(world.llm);
      expect(told).toMatchObject({ ran: false, decision: 'require_approval' });
      expect(String(told.refused)).toContain('declined');
      expect(fs.existsSync(canary)).toBe(false);
    });
  }

  test('a made-up or already used approval id is refused and nothing runs', async ({ world, page }) => {
    const events = recordBridgeEvents(page);
    const canary = world.canary('forged');
    const command = `touch ${canary}`;
    proposes(world.llm, command, 'Not created.');
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the forged file');
    const dialog = chat.approvalDialog();
    await expect(dialog.root).toBeVisible();

    const forged = await callFromPage(page, 'chat.approve', { requestId: 'made-up-request-0001', approved: true });
    expect(forged).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await expect(dialog.root).toBeVisible();
    await chat.cardFor(command).expectState('waiting');
    expect(fs.existsSync(canary)).toBe(false);

    const request = events.find((e) => e.name === 'chat.approvalRequest' && e.payload.command === command);
    expect(request, 'the UI received the approval request over its socket').toBeDefined();
    const requestId = String(request!.payload.requestId);

    await dialog.denyButton.click();
    await chat.cardFor(command).expectState('refused');
    // The real id was single-use: answering it again, now with yes, is refused.
    const replayed = await callFromPage(page, 'chat.approve', { requestId, approved: true });
    expect(replayed).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await expect(chat.lastAnswer()).toContainText('Not created.');
    expect(fs.existsSync(canary)).toBe(false);
  });
});

test.describe('deny', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['echo*'], deny: ['touch*'] } } });

  test('a denied command never asks, never runs, and its card says why', async ({ world, page }) => {
    const events = recordBridgeEvents(page);
    const canary = world.canary('denied');
    const command = `touch ${canary}`;
    proposes(world.llm, command, 'The policy forbids that.');
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the denied file');

    const card = chat.cardFor(command);
    await card.expectState('refused');
    await expect(card.root).toHaveAttribute('data-decision', 'deny');
    await expect(card.refusal).toContainText('denied by policy');
    await expect(card.rule).toContainText('touch*');
    await expect(chat.lastAnswer()).toContainText('The policy forbids that.');
    // The turn finished without anyone answering: no approval was ever asked for.
    await expect(chat.approvalDialog().root).toHaveCount(0);
    expect(events.filter((e) => e.name === 'chat.approvalRequest')).toHaveLength(0);
    expect(events.filter((e) => e.name === 'chat.commandDone')).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ ran: false, decision: 'deny' }) }),
    ]);
    expect(toldToModel(world.llm)).toMatchObject({ ran: false, decision: 'deny' });
    expect(fs.existsSync(canary)).toBe(false);
  });
});

test.describe('cancel', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['sleep*', 'touch*', 'echo*'] } } });

  // Distinct durations: each test finds its own sleep among the machine's processes.
  for (const [how, seconds] of [
    ["the card's Cancel button", '29.731'],
    ['Esc', '29.732'],
  ] as const) {
    test(`${how} stops a running command; the composer works again`, async ({ world, page }) => {
      const canary = world.canary('cancelled');
      const command = `sleep ${seconds}; touch ${canary}`;
      world.llm.push({ toolCalls: [{ name: 'run_command', arguments: { command, reason: 'wait, then mark' } }] });
      const chat = await ChatPage.open(page, world.url);
      await chat.send('wait and then make the file');

      const card = chat.cardFor(command);
      await card.expectState('running');
      await expect.poll(() => pidsWithArgv(['sleep', seconds]).length, { message: 'the command is running' }).toBe(1);
      if (how === 'Esc') await page.keyboard.press('Escape');
      else await card.cancelButton.click();

      await card.expectState('cancelled');
      await expect(card.cancelButton).toHaveCount(0);
      await expect.poll(() => pidsWithArgv(['sleep', seconds]).length, { message: 'the command was killed' }).toBe(0);
      // Had only sleep been killed, its shell would run touch at once; the canary stays absent.
      expect(fs.existsSync(canary)).toBe(false);
      await chat.expectIdle();

      world.llm.push({ text: 'Still here after the cancel.' });
      await chat.send('are you there?');
      await expect(chat.lastAnswer()).toContainText('Still here after the cancel.');
      expect(fs.existsSync(canary)).toBe(false);
    });
  }
});
