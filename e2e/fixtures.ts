import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { startLlmServer, type LlmServer } from '../test/support/llm-server';
import { launchAiosWeb, tempHome, type RunningAiosWeb } from './aios-web';
import { writeConfig, type AiSettings, type PermissionLists } from './config-file';

export interface AiosServer {
  url: string;
  home: string;
  process: RunningAiosWeb['process'];
}

/** Starts `aios web` on a free loopback port with a throwaway home (removed by `stop`). */
export async function startAiosWeb(extraEnv: Record<string, string> = {}): Promise<AiosServer & { stop(): Promise<void> }> {
  const home = tempHome('aios-e2e-');
  let web: RunningAiosWeb;
  try {
    web = await launchAiosWeb({ home, env: extraEnv });
  } catch (err) {
    fs.rmSync(home, { recursive: true, force: true });
    throw err;
  }
  return {
    url: web.url,
    home,
    process: web.process,
    stop: async () => {
      await web.stop();
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

/** Waits until the terminal pane shows a running shell that has printed something. */
export async function expectShellReady(page: Page): Promise<void> {
  await expect(page.locator('.terminal-pane')).toBeVisible();
  await expect(page.locator('.terminal-pane')).toHaveAttribute('data-status', 'running');
  // The login shell has printed its prompt (what it looks like is up to /etc/profile).
  await expect.poll(async () => (await terminalText(page)).trim().length).toBeGreaterThan(0);
}

export async function openTerminal(page: Page): Promise<void> {
  // The app has connected and rendered: the shortcut is listened for.
  await expect(page.getByRole('main', { name: 'Conversation' })).toBeVisible();
  await page.keyboard.press('Control+Backquote');
  await expectShellReady(page);
}

/** How a chat test's world is set up; override per file or describe with `test.use({ chatSetup })`. */
export interface ChatSetup {
  /** `scripted`: `[ai]` points at the scripted model server. `none`: no `[ai]`, no API key, Ollama probed on a closed port. */
  provider: 'scripted' | 'none';
  permissions: PermissionLists;
  /** More `[ai]` keys (timeouts…), for the scripted provider. */
  ai?: AiSettings;
  /** `[ui]` keys (theme…). */
  ui?: AiSettings;
}

export const DEFAULT_CHAT_SETUP: ChatSetup = {
  provider: 'scripted',
  permissions: { auto_allow: ['echo*', 'printf*'], notify: [], require_approval: ['touch*'], deny: ['rm -rf /*'] },
};

/** A port nothing listens on (discard); the Ollama probe must find nothing there. */
const CLOSED_OLLAMA = '127.0.0.1:9';

/**
 * A chat test's servers and throwaway home. List it before `page` in a test's
 * parameters (`{ world, page }`): fixtures are torn down in reverse, so the
 * server then outlives the page and a failure screenshot shows the live UI.
 */
export interface ChatWorld {
  /** The scripted OpenAI-compatible server; `push` steps before sending. */
  llm: LlmServer;
  home: string;
  /** The cwd of `aios web`: where the model's commands run and canaries go. */
  work: string;
  configFile: string;
  /** The URL of the running `aios web` (changes on restart). */
  readonly url: string;
  /** An absolute path in `work` for a file that proves a command ran. */
  canary(name: string): string;
  /** Stops `aios web` and starts a new one on the same home and memory file. */
  restart(): Promise<void>;
}

async function attachServerLog(testInfo: TestInfo, name: string, text: string): Promise<void> {
  if (testInfo.status !== testInfo.expectedStatus && text.length > 0) {
    await testInfo.attach(name, { body: text, contentType: 'text/plain' });
  }
}

export const test = base.extend<{ aios: AiosServer; chatSetup: ChatSetup; world: ChatWorld }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires the destructuring form
  aios: async ({}, use) => {
    // No chat provider: nothing depends on an Ollama that may run on this machine.
    const server = await startAiosWeb({ OLLAMA_HOST: CLOSED_OLLAMA });
    try {
      await use(server);
    } finally {
      await server.stop();
    }
  },

  chatSetup: [DEFAULT_CHAT_SETUP, { option: true }],

  world: async ({ chatSetup }, use, testInfo) => {
    const home = tempHome('aios-e2e-chat-');
    const work = path.join(home, 'work');
    fs.mkdirSync(work);
    let llm: LlmServer | undefined;
    let web: RunningAiosWeb | undefined;
    let log = '';
    try {
      llm = await startLlmServer();
      const configFile = writeConfig(home, {
        ...(chatSetup.provider === 'scripted'
          ? { ai: { base_url: llm.baseUrl, model: 'scripted', request_timeout_s: 20, approval_timeout_s: 120, ...chatSetup.ai } }
          : {}),
        ...(chatSetup.ui ? { ui: chatSetup.ui } : {}),
        permissions: chatSetup.permissions,
      });
      const launch = () => launchAiosWeb({ home, cwd: work, env: { OLLAMA_HOST: CLOSED_OLLAMA } });
      web = await launch();
      const server = llm;
      const world: ChatWorld = {
        llm: server,
        home,
        work,
        configFile,
        get url() {
          return web!.url;
        },
        canary: (name) => path.join(work, name),
        restart: async () => {
          await web!.stop();
          log += web!.stderr();
          web = undefined;
          web = await launch();
        },
      };
      await use(world);
    } finally {
      if (web) {
        await web.stop();
        log += web.stderr();
      }
      await llm?.close();
      await attachServerLog(testInfo, 'aios-web-stderr', log);
      fs.rmSync(home, { recursive: true, force: true });
    }
  },
});

export { expect };
