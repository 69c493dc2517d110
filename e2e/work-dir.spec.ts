/**
 * Where the AI works, for a person who starts aios from a checkout with
 * `npm run aios -- web`: npm runs the script in the checkout and passes the
 * person's directory as INIT_CWD. The AI's commands, the quiet card's
 * "read-only except …" and the terminal pane all use that directory, never
 * aios's own sources; with no INIT_CWD they use the home.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startLlmServer, type LlmServer } from '../test/support/llm-server';
import { launchAiosWeb, REPO_ROOT, tempHome, type RunningAiosWeb } from './aios-web';
import { ChatPage } from './chat-page';
import { writeConfig } from './config-file';
import { expect, runInTerminal, openTerminal, terminalText, test } from './fixtures';

let llm: LlmServer;
let home: string;
let web: RunningAiosWeb | undefined;

test.beforeEach(async () => {
  llm = await startLlmServer();
  home = tempHome('aios-e2e-workdir-');
  writeConfig(home, {
    ai: { base_url: llm.baseUrl, model: 'scripted', request_timeout_s: 20 },
    permissions: { auto_allow: ['pwd', 'ls*'] },
  });
});
test.afterEach(async () => {
  await web?.stop();
  web = undefined;
  await llm.close();
  fs.rmSync(home, { recursive: true, force: true });
});

async function askPwd(chat: ChatPage): Promise<void> {
  llm.push(
    { text: 'Here. ', toolCalls: [{ name: 'run_command', arguments: { command: 'pwd', reason: 'where am I' } }] },
    { text: 'That is where I work.' },
  );
  await chat.send('where are you working?');
  await chat.cardFor('pwd').expectState('done');
}

test('started from a checkout by npm, the AI, its quiet card and the terminal work where the person was', async ({ page }) => {
  const work = path.join(home, 'projects');
  fs.mkdirSync(work);
  web = await launchAiosWeb({ home, cwd: REPO_ROOT, env: { OLLAMA_HOST: '127.0.0.1:9', INIT_CWD: work } });
  const chat = await ChatPage.open(page, web.url);
  await askPwd(chat);
  const card = chat.cardFor('pwd');
  await expect(card.output).toHaveText(work);
  const sandbox = card.root.getByTestId('command-sandbox');
  // Where bubblewrap exists the quiet card says where the command may write.
  if (fs.existsSync('/usr/bin/bwrap')) {
    await expect(sandbox).toHaveAttribute('data-confined', 'true');
    await expect(sandbox).toContainText(`read-only except ${work}`);
  }
  await openTerminal(page);
  await runInTerminal(page, 'pwd');
  await expect.poll(() => terminalText(page)).toContain(`\n${work}`);
  expect(await terminalText(page)).not.toContain(REPO_ROOT);
});

test("started in the checkout with no INIT_CWD, the AI works in the home, not in aios's sources", async ({ page }) => {
  web = await launchAiosWeb({ home, cwd: REPO_ROOT, env: { OLLAMA_HOST: '127.0.0.1:9' } });
  const chat = await ChatPage.open(page, web.url);
  await askPwd(chat);
  await expect(chat.cardFor('pwd').output).toHaveText(home);
});
