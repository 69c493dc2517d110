/**
 * One working directory for every host, started the way a checkout user
 * starts aios (`npm run aios -- …` runs in the checkout and passes the
 * person's directory as INIT_CWD): `/terminal` in `aios chat` opens there,
 * and `aios policy check` judges relative paths against it — never against
 * aios's own sources.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs, writeConfig } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'src/hosts/cli.ts');
const PROMPT = /\[aios\] > $/;

let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  writeConfig(dirs.env, { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 5 }, {});
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

describe('the working directory of a checkout user', () => {
  it('/terminal opens in the directory the person started from (INIT_CWD), not in the checkout', async () => {
    const work = path.join(dirs.dir, 'work');
    chat = startChat(chatEnv(dirs.env, { INIT_CWD: work }), ROOT);
    await chat.waitFor(PROMPT, 0, 30_000);
    const m = chat.mark();
    chat.type('/terminal\r');
    await chat.waitFor(/type exit to return to aios\)/, m);
    chat.type('echo "at:$(pwd)"\r');
    await chat.waitFor(new RegExp(`at:${work}\\n`), m);
    chat.type('exit\r');
    await chat.waitFor(/\(back in aios\)/, m);
  });

  it('/terminal opens in the home when started in the checkout itself', async () => {
    chat = startChat(chatEnv(dirs.env, { INIT_CWD: ROOT }), ROOT);
    await chat.waitFor(PROMPT, 0, 30_000);
    const m = chat.mark();
    chat.type('/terminal\r');
    await chat.waitFor(/type exit to return to aios\)/, m);
    chat.type('echo "at:$(pwd)"\r');
    await chat.waitFor(new RegExp(`at:${dirs.env.HOME}\\n`), m);
    chat.type('exit\r');
    await chat.waitFor(/\(back in aios\)/, m);
  });

  it('aios policy check judges a relative path where the person was, not in the checkout', () => {
    const home = dirs.env.HOME!;
    const PATH = `${path.join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    const check = (extra: Record<string, string>) =>
      spawnSync(TSX, [CLI, 'policy', 'check', '--', 'echo hi > .bashrc'], {
        cwd: ROOT,
        env: { ...dirs.env, PATH, ...extra },
        encoding: 'utf8',
      });
    fs.writeFileSync(path.join(home, '.bashrc'), '# mine\n');
    for (const extra of [{ INIT_CWD: home }, {}] as Record<string, string>[]) {
      const r = check(extra);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^require_approval/);
      expect(r.stdout).toContain(`writes to ${home}/.bashrc, a protected path`);
    }
  });
});
