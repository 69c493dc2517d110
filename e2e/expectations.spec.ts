/**
 * What people expect from the tools they already use: example prompts on the
 * empty first screen, a `/` popup of the slash commands, a light theme that
 * follows the system's colour scheme, outlined buttons whose borders reach
 * WCAG's 3:1, and the keyboard in the setup form's first field on first run.
 */
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { lastMessage } from '../test/support/llm-server';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, expect, test } from './fixtures';

/** WCAG relative luminance of a CSS rgb()/rgba() colour. */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** A button's border colour and the background it sits on (the nearest ancestor with an opaque one). */
async function borderAndBackground(page: Page, name: string): Promise<[string, string]> {
  return page
    .getByRole('button', { name, exact: true })
    .first()
    .evaluate((el) => {
      const border = getComputedStyle(el).borderTopColor;
      let p: Element | null = el.parentElement;
      while (p) {
        const bg = getComputedStyle(p).backgroundColor;
        if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return [border, bg] as [string, string];
        p = p.parentElement;
      }
      return [border, getComputedStyle(document.body).backgroundColor] as [string, string];
    });
}

test('the empty first screen offers example prompts; one click asks it', async ({ world, page }, testInfo) => {
  world.llm.push({ text: 'htop is a process viewer; I can install it with apt.' });
  const chat = await ChatPage.open(page, world.url);
  const examples = page.getByTestId('first-screen').getByTestId('example-prompt');
  await expect(examples).toHaveText(['what is using disk space?', 'install htop', 'what did I install yesterday?']);
  await page.screenshot({ path: testInfo.outputPath('first-screen.png') });
  await examples.filter({ hasText: 'install htop' }).click();
  await expect(chat.lastAnswer()).toContainText('htop is a process viewer');
  expect(lastMessage(world.llm.requests[0]!.body, 'user')).toBe('install htop');
  await expect(page.getByTestId('first-screen')).toHaveCount(0);
});

test('typing / shows a popup of the slash commands; it narrows as you type and Tab takes one', async ({ world, page }, testInfo) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.input.fill('/');
  const popup = page.getByRole('listbox', { name: 'Commands' });
  await expect(popup).toBeVisible();
  for (const c of ['/help', '/history [words]', '/memory [words]', '/clear', '/setup', '/terminal'])
    await expect(popup.getByRole('option').filter({ hasText: c })).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('slash-popup.png') });
  await chat.input.fill('/hi');
  await expect(popup.getByRole('option')).toHaveCount(1);
  await expect(popup.getByRole('option')).toContainText('/history');
  await chat.input.press('Tab');
  await expect(chat.input).toHaveValue('/history ');
  await expect(popup).toHaveCount(0);
  await chat.input.fill('/');
  await chat.input.press('Escape');
  await expect(popup).toHaveCount(0);
});

test.describe('themes', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['ls*'] } } });

  test('a light theme follows the system colour scheme, and outlined buttons reach 3:1 in both', async ({ world, page }, testInfo) => {
    await page.emulateMedia({ colorScheme: 'light' });
    const chat = await ChatPage.open(page, world.url);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(luminance(bg)).toBeGreaterThan(0.8);
    await expect(page.getByTestId('first-screen')).toBeVisible();
    // A failed command's error output stays readable on the light ground (WCAG AA, 4.5:1).
    await chat.send('!ls /no/such/dir');
    const stderr = chat.cardFor('ls /no/such/dir').output.locator('.stderr').first();
    await expect(stderr).toBeVisible();
    const [fg, codeBg] = await stderr.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.closest('pre')!).backgroundColor]);
    expect(contrast(fg!, codeBg!), `${fg} on ${codeBg}`).toBeGreaterThanOrEqual(4.5);
    await page.screenshot({ path: testInfo.outputPath('light-theme.png') });
    for (const name of ['Copy command', 'Run again']) {
      const [border, behind] = await borderAndBackground(page, name);
      expect(contrast(border, behind), `${name}: ${border} on ${behind}`).toBeGreaterThanOrEqual(3);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    // The page hears the change as a media-query event, a moment later.
    await expect.poll(async () => luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor))).toBeLessThan(0.05);
    await page.screenshot({ path: testInfo.outputPath('dark-theme.png') });
    for (const name of ['Copy command', 'Run again', 'Terminal Ctrl+`']) {
      const [border, behind] = await borderAndBackground(page, name);
      expect(contrast(border, behind), `${name}: ${border} on ${behind}`).toBeGreaterThanOrEqual(3);
    }
  });
  for (const [theme, scheme] of [
    ['light', 'dark'],
    ['dark', 'light'],
  ] as const) {
    test.describe(`[ui] theme = "${theme}"`, () => {
      test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, ui: { theme } } });
      test(`wins over a ${scheme} system scheme`, async ({ world, page }, testInfo) => {
        await page.emulateMedia({ colorScheme: scheme });
        await ChatPage.open(page, world.url);
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        const bg = luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
        if (theme === 'light') expect(bg).toBeGreaterThan(0.8);
        else expect(bg).toBeLessThan(0.05);
        // The setting holds when the system changes its mind (once the page has heard of the change).
        for (const system of [theme, scheme]) {
          await page.emulateMedia({ colorScheme: system });
          await page.waitForFunction((t) => matchMedia('(prefers-color-scheme: light)').matches === (t === 'light'), system);
          await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
          await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        }
        await page.screenshot({ path: testInfo.outputPath(`theme-${theme}-on-${scheme}.png`) });
      });
    });
  }
});

test.describe('first run', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, provider: 'none' } });

  test("the keyboard starts in the setup form's first field", async ({ world, page }) => {
    await page.goto(`${world.url}&terminal=dom`);
    await expect(page.getByTestId('setup-card')).toBeVisible();
    await expect(page.getByTestId('setup-base-url')).toBeFocused();
  });
});

test('a finished card offers copy command, copy output and run again', async ({ world, page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const chat = await ChatPage.open(page, world.url);
  const command = "printf 'one\\ntwo\\n'";
  await chat.send(`!${command}`);
  const card = chat.cardFor(command);
  await card.expectState('done');
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await card.root.getByRole('button', { name: 'Copy command' }).click();
  await expect.poll(clipboard).toBe(command);
  await card.root.getByRole('button', { name: 'Copy output' }).click();
  await expect.poll(clipboard).toBe('one\ntwo\n');
  await card.root.getByRole('button', { name: 'Run again' }).click();
  await expect(chat.cards()).toHaveCount(2);
  await chat.lastCard().expectState('done');
  await expect(chat.lastCard().output).toHaveText('one two');
});

test.describe('edit before running', () => {
  test.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { auto_allow: ['echo*'], require_approval: ['touch*'] } } });

  test('"Edit" in the approval: the edited command is judged again by the policy, the original never runs', async ({ world, page }) => {
    const original = world.canary('original');
    const second = world.canary('second');
    world.llm.push(
      { toolCalls: [{ name: 'run_command', arguments: { command: `touch ${original}`, reason: 'make a file' } }] },
      { text: 'Done as you changed it.' },
    );
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the file');
    const dialog = chat.approvalDialog();
    await dialog.root.getByRole('button', { name: 'Edit' }).click();
    await dialog.root.getByTestId('approval-edit').fill(`touch ${second}`);
    await dialog.root.getByRole('button', { name: 'Check edited command' }).click();
    // Still touch*: the policy asks again, about the edited command.
    await expect(dialog.command).toHaveText(`touch ${second}`);
    await dialog.approveButton.click();
    await chat.cardFor(`touch ${second}`).expectState('done');
    await expect(chat.cardFor(`touch ${original}`).refusal).toContainText('replaced by your edit');
    await expect(chat.lastAnswer()).toContainText('Done as you changed it.');
    expect(fs.existsSync(second)).toBe(true);
    expect(fs.existsSync(original)).toBe(false);
  });

  test('an edit the policy allows outright runs without another question', async ({ world, page }) => {
    const original = world.canary('original');
    world.llm.push(
      { toolCalls: [{ name: 'run_command', arguments: { command: `touch ${original}`, reason: 'make a file' } }] },
      { text: 'Echoed.' },
    );
    const chat = await ChatPage.open(page, world.url);
    await chat.send('make the file');
    const dialog = chat.approvalDialog();
    await dialog.root.getByRole('button', { name: 'Edit' }).click();
    await dialog.root.getByTestId('approval-edit').fill('echo edited-instead');
    await dialog.root.getByRole('button', { name: 'Check edited command' }).click();
    await chat.cardFor('echo edited-instead').expectState('done');
    await expect(chat.cardFor('echo edited-instead').output).toHaveText('edited-instead');
    await expect(dialog.root).toHaveCount(0);
    expect(fs.existsSync(original)).toBe(false);
  });
});

test("/model lists the provider's models in the web chat and refuses one it does not have", async ({ world, page }) => {
  const chat = await ChatPage.open(page, world.url);
  await chat.send('/model');
  await expect(chat.lastMessage('system')).toContainText('* scripted');
  await chat.send('/model nope');
  await expect(chat.lastMessage('system')).toContainText('has no model nope');
  await chat.send('/model scripted');
  await expect(chat.lastMessage('system')).toContainText('already using scripted');
});

test('the UI font is bundled: served by aios itself and used for the text', async ({ world, page }) => {
  const fonts: string[] = [];
  page.on('response', (r) => {
    if (/\.woff2(\?|$)/.test(r.url()) && r.ok()) fonts.push(r.url());
  });
  await ChatPage.open(page, world.url);
  await page.evaluate(() => document.fonts.ready);
  const origin = new URL(world.url).origin;
  await expect.poll(() => fonts.length).toBeGreaterThan(0);
  for (const f of fonts) expect(new URL(f).origin).toBe(origin);
  expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/^"Inter Variable"/);
  expect(await page.evaluate(() => document.fonts.check('16px "Inter Variable"'))).toBe(true);
});
