import { stripVTControlCharacters } from 'node:util';
import { expect, openTerminal, runInTerminal, terminalText, test } from './fixtures';

test.beforeEach(async ({ page, aios }) => {
  // The DOM renderer draws rows as text the test can read; WebGL draws pixels.
  await page.goto(`${aios.url}&terminal=dom`);
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
});

test('the chat is the default screen and the terminal is hidden', async ({ page }, testInfo) => {
  await expect(page.getByTestId('conversation')).toBeVisible();
  await expect(page.getByTestId('composer').getByRole('textbox', { name: 'Message' })).toBeVisible();
  await expect(page.locator('.terminal-pane')).toBeHidden();
  await expect(page.getByRole('button', { name: /Terminal/ })).toBeVisible();
  await expect(page.locator('footer[aria-label="Status"]')).toContainText('connected');
  await page.screenshot({ path: testInfo.outputPath('chat-default.png') });
});

test('Ctrl+` opens a live shell that computes', async ({ page }, testInfo) => {
  await openTerminal(page);
  await runInTerminal(page, 'echo $((6*7))');
  await expect.poll(() => terminalText(page)).toMatch(/^42\s*$/m);
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-renderer', 'dom');
  await page.screenshot({ path: testInfo.outputPath('terminal-open.png') });
});

test('characters of several bytes show whole, also when the shell wrote one in two pieces', async ({ page }) => {
  await openTerminal(page);
  // é (2 bytes), € (3) and 😀 (4), each cut in two by a pause: the pane is sent bytes and must put each back together.
  await runInTerminal(
    page,
    "printf 'utf8:\\303'; sleep 0.2; printf '\\251\\342\\202'; sleep 0.2; printf '\\254\\360\\237'; sleep 0.2; printf '\\230\\200:end-%s\\n' $((4*5))",
  );
  await expect.poll(() => terminalText(page)).toMatch(/^utf8:é€😀 ?:end-20\s*$/m);
});

test('the fast WebGL renderer is used when the browser offers WebGL', async ({ page, aios }) => {
  await page.goto(aios.url);
  const hasWebgl2 = await page.evaluate(() => document.createElement('canvas').getContext('webgl2') !== null);
  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-status', 'running');
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-renderer', hasWebgl2 ? 'webgl' : 'dom');
});

test('the visible button toggles the terminal too', async ({ page }) => {
  const button = page.getByRole('button', { name: /Terminal/ });
  await button.click();
  await expect(page.locator('.terminal-pane')).toBeVisible();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await button.click();
  await expect(page.locator('.terminal-pane')).toBeHidden();
});

/** Drops the terminal control sequences (colours, cursor moves, titles) and carriage returns from pty output. */
function plainLines(output: string): string[] {
  return stripVTControlCharacters(output)
    .split('\n')
    .map((line) => line.replace(/\r/g, '').trimEnd());
}

test('seq 1 100000 arrives complete: every line reaches the browser once, in order', async ({ page, aios }) => {
  // Everything the browser is sent for the terminal, from the bridge's own frames
  // (the screen keeps only its 10,000-line scrollback, so it cannot show all of it).
  let output = '';
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(payload.toString()) as { type: string; name?: string; payload?: { data?: string } };
      // The output's UTF-8 bytes travel as base64 (JSON carries no bytes), each frame whole characters.
      if (frame.type === 'event' && frame.name === 'terminal.data')
        output += Buffer.from(frame.payload?.data ?? '', 'base64').toString('utf8');
    });
  });
  await page.goto(`${aios.url}&terminal=dom`);
  await openTerminal(page);
  await runInTerminal(page, 'seq 1 100000; echo seq-finished-$((5*5))');
  await expect.poll(() => terminalText(page), { timeout: 45_000 }).toMatch(/^99999\s*\n100000\s*\nseq-finished-25\s*$/m);

  const lines = plainLines(output);
  const first = lines.indexOf('1');
  const done = lines.indexOf('seq-finished-25');
  expect(first).toBeGreaterThanOrEqual(0);
  expect(done).toBeGreaterThan(first);
  const printed = lines.slice(first, done);
  expect(printed.length).toBe(100_000);
  const wrong = printed.findIndex((line, i) => line !== String(i + 1));
  expect(wrong === -1 ? 'all 100000 lines in order' : `line ${wrong + 1} is ${JSON.stringify(printed[wrong])}`).toBe(
    'all 100000 lines in order',
  );
});

test('Ctrl-C stops yes and the prompt returns', async ({ page }) => {
  await openTerminal(page);
  await runInTerminal(page, 'yes');
  await expect.poll(() => terminalText(page)).toMatch(/^y\s*\ny\s*\ny\s*$/m);
  await page.keyboard.press('Control+C');
  await runInTerminal(page, 'echo after-yes-$((2+3))');
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(/^after-yes-5\s*$/m);
});

test('resizing the window reflows the shell', async ({ page }) => {
  await openTerminal(page);
  await runInTerminal(page, 'echo "size-a $(stty size)"');
  await expect.poll(() => terminalText(page)).toMatch(/^size-a \d+ \d+\s*$/m);
  const before = /^size-a (\d+) (\d+)\s*$/m.exec(await terminalText(page))!;
  await page.setViewportSize({ width: 700, height: 600 });
  await runInTerminal(page, 'echo "size-b $(stty size)"');
  await expect.poll(() => terminalText(page)).toMatch(/^size-b \d+ \d+\s*$/m);
  const after = /^size-b (\d+) (\d+)\s*$/m.exec(await terminalText(page))!;
  expect(Number(after[2])).toBeLessThan(Number(before[2]));
  expect(Number(after[1])).toBeLessThan(Number(before[1]));
});

test('hiding and showing the pane keeps the same shell and its scrollback', async ({ page }) => {
  await openTerminal(page);
  await runInTerminal(page, 'MARK=kept-$((3*3)); echo "pid-$$"');
  await expect.poll(() => terminalText(page)).toMatch(/^pid-\d+\s*$/m);
  const pid = /^pid-(\d+)\s*$/m.exec(await terminalText(page))![1];
  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toBeHidden();
  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toBeVisible();
  // Scrollback survived, and the shell is the same process with the same variables.
  await expect.poll(() => terminalText(page)).toMatch(new RegExp(`^pid-${pid}\\s*$`, 'm'));
  await runInTerminal(page, 'echo "again-$$-$MARK"');
  await expect.poll(() => terminalText(page)).toMatch(new RegExp(`^again-${pid}-kept-9\\s*$`, 'm'));
});

test('a reload re-attaches to the running shell', async ({ page }) => {
  await openTerminal(page);
  await runInTerminal(page, 'echo "pid-$$"');
  await expect.poll(() => terminalText(page)).toMatch(/^pid-\d+\s*$/m);
  const pid = /^pid-(\d+)\s*$/m.exec(await terminalText(page))![1];
  await page.reload();
  await openTerminal(page);
  await runInTerminal(page, 'echo "after-reload-$$"');
  await expect.poll(() => terminalText(page)).toMatch(new RegExp(`^after-reload-${pid}\\s*$`, 'm'));
});

test('when the shell exits the pane says so and a key starts a new one', async ({ page }) => {
  await openTerminal(page);
  await runInTerminal(page, 'echo "pid-$$"; exit 3');
  await expect.poll(() => terminalText(page)).toContain('shell exited with code 3');
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-status', 'exited');
  await page.keyboard.press('Enter');
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-status', 'running');
  await runInTerminal(page, 'echo "new-shell-$((4*4))"');
  await expect.poll(() => terminalText(page)).toMatch(/^new-shell-16\s*$/m);
});
