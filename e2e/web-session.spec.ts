/**
 * The browser host's session, in real Chromium: the cookie stays
 * on aios's own address, the login link works once, and a restarted
 * `aios web` serves the open tab without a new URL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { CLI, isolatedEnv, launchAiosWeb, nodeBinary, tempHome, type RunningAiosWeb } from './aios-web';
import { ChatPage } from './chat-page';
import { DEFAULT_CHAT_SETUP, test as worldTest } from './fixtures';

const CLOSED_OLLAMA = '127.0.0.1:9';

/** A plain HTTP listener on 127.0.0.1 that records the Cookie header of every request. */
async function cookieCatcher(address = '127.0.0.1'): Promise<{ port: number; cookies: Array<string | undefined>; close(): Promise<void> }> {
  const cookies: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    cookies.push(req.headers.cookie);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>other service</title><p>another local service');
  });
  await new Promise<void>((resolve) => server.listen(0, address, () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    cookies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let home: string;
let web: RunningAiosWeb | undefined;
const launch = () => launchAiosWeb({ home, env: { OLLAMA_HOST: CLOSED_OLLAMA } });

test.beforeEach(() => {
  home = tempHome('aios-e2e-session-');
});
test.afterEach(async () => {
  await web?.stop();
  web = undefined;
  fs.rmSync(home, { recursive: true, force: true });
});

test('the session cookie is not sent to another service on loopback', async ({ page, context }) => {
  web = await launch();
  const other = await cookieCatcher();
  try {
    const served = new URL(web.url);
    // aios serves on an address of its own in 127.0.0.0/8, not 127.0.0.1.
    expect(served.hostname).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(served.hostname).not.toBe('127.0.0.1');
    await page.goto(web.url);
    await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
    await expect(page.locator('footer[aria-label="Status"]')).toContainText('connected');
    // The browser holds the session cookie (so the check below can fail)…
    const held = await context.cookies(served.origin);
    expect(held.map((c) => c.name)).toContain('aios_session');
    expect(held.find((c) => c.name === 'aios_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // …and visiting other local services, by address and by name, sends it nowhere.
    await page.goto(`http://127.0.0.1:${other.port}/`);
    await page.goto(`http://localhost:${other.port}/`);
    expect(other.cookies.length).toBeGreaterThanOrEqual(2);
    for (const c of other.cookies) expect(c ?? '').not.toContain('aios_session');
    // The control: cookies ignore ports, so a listener on aios's own address does receive it. That
    // address is this install's alone (random in 127.0.0.0/8), which is what keeps the cookie home.
    const sameAddress = await cookieCatcher(served.hostname);
    try {
      await page.goto(`http://${served.hostname}:${sameAddress.port}/`);
      expect(sameAddress.cookies.some((c) => (c ?? '').includes('aios_session'))).toBe(true);
    } finally {
      await sameAddress.close();
    }
    // The ticket left in the address bar's history is spent: a fresh browser profile gets nothing with it.
    const fresh = await page.context().browser()!.newContext();
    const stranger = await fresh.newPage();
    const r = await stranger.goto(web.url);
    expect(r?.status()).toBe(403);
    await fresh.close();
  } finally {
    await other.close();
  }
});

test('a restarted aios web serves the open tab without a new URL, and a reload works', async ({ page }) => {
  web = await launch();
  const before = new URL(web.url);
  await page.goto(web.url);
  const status = page.locator('footer[aria-label="Status"]');
  await expect(status).toContainText('connected');
  await web.stop();
  await expect(status).not.toContainText(/\bconnected\b/);
  web = await launch();
  // Same install, same address and port.
  expect(new URL(web.url).host).toBe(before.host);
  // The tab comes back by itself, with no new URL given to it.
  await expect(status).toContainText('connected', { timeout: 30_000 });
  // Calls work again: the terminal opens a live shell on the new server.
  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-status', 'running');
  // A reload gets the app, not a bare 403.
  const reloaded = await page.reload();
  expect(reloaded?.status()).toBe(200);
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
  await expect(status).toContainText('connected');
});

test('aios web --login-url gives another browser a one-time way in', async ({ browser }) => {
  web = await launch();
  const out = execFileSync(nodeBinary(), [CLI, 'web', '--login-url'], { env: isolatedEnv(home), encoding: 'utf8' }).trim();
  expect(new URL(out).host).toBe(new URL(web.url).host);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(out);
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
  const again = await (await browser.newContext()).newPage();
  expect((await again.goto(out))?.status()).toBe(403);
  await context.close();
});

test('the kiosk login page (a file, no secret on any command line) logs Chromium in', async ({ page }) => {
  const loginPage = path.join(home, 'login.html');
  web = await launchAiosWeb({ home, env: { OLLAMA_HOST: CLOSED_OLLAMA }, args: ['--login-page', loginPage] });
  expect(web.url).not.toContain('ticket');
  expect(fs.statSync(loginPage).mode & 0o777).toBe(0o600);
  await page.goto(`file://${loginPage}`);
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
  expect(page.url()).toBe(web.url);
});

test.describe('a command running when the server stops', () => {
  worldTest.use({ chatSetup: { ...DEFAULT_CHAT_SETUP, permissions: { ...DEFAULT_CHAT_SETUP.permissions, auto_allow: ['sleep*'] } } });
  worldTest('its card says it was interrupted once the tab is back, and the composer is free', async ({ world, page }, testInfo) => {
    world.llm.push({ text: 'Waiting. ', toolCalls: [{ name: 'run_command', arguments: { command: 'sleep 30', reason: 'wait' } }] });
    const chat = await ChatPage.open(page, world.url);
    await chat.send('wait a bit');
    const card = chat.cardFor('sleep 30');
    await card.expectState('running');
    // Confined: the card says so.
    await expect(card.root.getByTestId('command-sandbox')).toHaveAttribute('data-confined', 'true');
    await world.restart();
    // No new URL: the same tab reconnects to the restarted server.
    await expect(page.locator('footer[aria-label="Status"]')).toContainText('connected', { timeout: 30_000 });
    await expect(card.refusal).toContainText('interrupted');
    await card.expectState('cancelled');
    world.llm.push({ text: 'Back again.' });
    await chat.send('are you there?');
    await expect(chat.lastAnswer()).toContainText('Back again.');
    await page.screenshot({ path: testInfo.outputPath('interrupted.png') });
  });
});
