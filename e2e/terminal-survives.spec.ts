/**
 * The terminal pane's shell never dies silently: open the pane, hide it,
 * reload the page, and leave the pane closed for longer than the old 60 s
 * grace period. Opening the pane again shows the same shell (same PID) with
 * its scrollback.
 */
import { expect, openTerminal, runInTerminal, terminalText, test } from './fixtures';

/** Longer than any grace period a host would give a detached shell (it was 60 s). */
const AWAY_MS = 70_000;

test('a shell with work in it survives a reload and a long time with the pane closed', async ({ page, aios }) => {
  test.setTimeout(AWAY_MS + 60_000);
  await page.goto(`${aios.url}&terminal=dom`);
  await openTerminal(page);
  await runInTerminal(page, 'echo "pid-is-$$"');
  await expect.poll(() => terminalText(page)).toMatch(/^pid-is-\d+\s*$/m);
  const pid = /^pid-is-(\d+)\s*$/m.exec(await terminalText(page))![1]!;
  await runInTerminal(page, 'WORK=kept-in-the-shell');

  // Hide, reload, and stay away without opening the pane.
  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toBeHidden();
  await page.reload();
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
  await page.waitForTimeout(AWAY_MS);

  await openTerminal(page);
  // The scrollback came back, and it is the same shell with its state.
  await expect.poll(() => terminalText(page)).toContain(`pid-is-${pid}`);
  await runInTerminal(page, 'echo "now-$$-$WORK"');
  await expect.poll(() => terminalText(page)).toContain(`now-${pid}-kept-in-the-shell`);
});
