import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export interface AiosServer {
  url: string;
  home: string;
  process: ChildProcess;
}

const CLI = path.resolve(import.meta.dirname, '../out/main/cli.js');

/** Starts `aios web` on a free loopback port with a throwaway home. */
export async function startAiosWeb(extraEnv: Record<string, string> = {}): Promise<AiosServer & { stop(): Promise<void> }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-e2e-'));
  const child = spawn(process.execPath, [CLI, 'web', '--port', '0'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`aios web did not start: ${stderr}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aios web exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    home,
    process: child,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Visible terminal text, row by row (the DOM renderer draws rows as elements). */
export async function terminalText(page: Page): Promise<string> {
  return page.locator('.terminal-pane .xterm-rows').innerText();
}

/** Types a command line into the focused terminal and presses Enter. */
export async function runInTerminal(page: Page, command: string): Promise<void> {
  await page.locator('.terminal-pane .xterm-helper-textarea').focus();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

export async function openTerminal(page: Page): Promise<void> {
  // The app has connected and rendered: the shortcut is listened for.
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
  await page.keyboard.press('Control+Backquote');
  await expect(page.locator('.terminal-pane')).toBeVisible();
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-status', 'running');
  // The login shell has printed its prompt (what it looks like is up to /etc/profile).
  await expect.poll(async () => (await terminalText(page)).trim().length).toBeGreaterThan(0);
}

export const test = base.extend<{ aios: AiosServer }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  aios: async ({}, use) => {
    const server = await startAiosWeb();
    try {
      await use(server);
    } finally {
      await server.stop();
    }
  },
});

export { expect };
