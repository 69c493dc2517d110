import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../src/core/executor';
import { makeDirs } from '../agent/harness';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { startChat, type ChatPty } from './pty-harness';

/**
 * The first hour through `aios chat` in a real pty (the LLM is the scripted
 * local stand-in, commands run for real under bubblewrap): harmless programs
 * no rule names run confined without a question; "always allow" remembers a
 * narrow rule that stops the next question and shows in /permissions;
 * removing it brings the question back.
 */

const PROMPT = /\[aios\] > $/;
const RUN_ALWAYS = /Run it\? \[y\/N\/a\(lways\)\] \(\d+ s\) $/;

let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let home: string;
let chat: ChatPty;
const configFile = () => path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml');

beforeAll(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  home = dirs.env.HOME!;
  fs.writeFileSync(
    configFile(),
    `# my settings\n[ai]\nbase_url = "${server.baseUrl}"\nmodel = "scripted"\nrequest_timeout_s = 5\napproval_timeout_s = 60\n`,
  );
  fs.writeFileSync(path.join(home, 'README.md'), 'one\ntwo\nthree\nfour\n');
  chat = startChat(
    { ...dirs.env, TERM: 'xterm-256color', NO_COLOR: '1', SHELL: '/bin/sh', LANG: 'C.UTF-8', OLLAMA_HOST: '127.0.0.1:9' },
    home,
  );
  await chat.waitFor(PROMPT, 0, 30_000);
  server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));
}, 60_000);

afterAll(async () => {
  chat?.kill();
  if (chat) await chat.exited;
  await server.close();
  fs.rmSync(dirs.dir, { recursive: true, force: true });
});

function runCommand(command: string): number {
  server.push({ toolCalls: [{ name: 'run_command', arguments: { command, reason: 'the person asked' } }] });
  const m = chat.mark();
  chat.type(`please ${command}\r`);
  return m;
}

async function slash(text: string): Promise<string> {
  const m = chat.mark();
  chat.type(`${text}\r`);
  await chat.waitFor(PROMPT, m + 1, 15_000);
  return chat.text().slice(m);
}

describe.skipIf(!new Sandbox().status().available)('aios chat: fewer, better questions', () => {
  it.each(['seq 5000', 'head -3 README.md', 'sleep 2', 'ls /tmp | head -3'])('%s runs confined without a question', async (command) => {
    const m = runCommand(command);
    await chat.waitFor(/Result:[\s\S]*\[aios\] > $/, m, 30_000);
    const t = chat.text().slice(m);
    expect(t).not.toMatch(/Run it\?/);
    expect(t).toContain('confined because no rule covers it');
    expect(t).toMatch(/"ran":true/);
  });

  it('always allow remembers a narrow rule, /permissions shows it, removing it brings the question back', async () => {
    // `ip` acts outside the filesystem: it is never confined, so it asks.
    let m = runCommand('ip addr');
    await chat.waitFor(RUN_ALWAYS, m, 30_000);
    let t = chat.text().slice(m);
    expect(t).toContain('aios asks because no rule covers `ip`');
    expect(t).toContain(`a = always allow: adds auto_allow "ip addr" to ${configFile()}`);
    chat.type('a\r');
    await chat.waitFor(/Result:[\s\S]*\[aios\] > $/, m, 30_000);
    expect(chat.text().slice(m)).toContain('remembered: auto_allow "ip addr"');
    const written = fs.readFileSync(configFile(), 'utf8');
    expect(written).toContain('# my settings');
    expect(written).toContain('auto_allow = ["ip addr"]');

    m = runCommand('ip addr');
    await chat.waitFor(/Result:[\s\S]*\[aios\] > $/, m, 30_000);
    expect(chat.text().slice(m)).not.toMatch(/Run it\?/);

    t = await slash('/permissions');
    expect(t).toMatch(/1\. auto_allow\s+"ip addr"/);
    t = await slash('/permissions remove 1');
    expect(t).toContain('removed auto_allow "ip addr"');
    expect(fs.readFileSync(configFile(), 'utf8')).not.toContain('"ip addr"');

    m = runCommand('ip addr');
    await chat.waitFor(RUN_ALWAYS, m, 30_000);
    chat.type('n\r');
    await chat.waitFor(/Result:[\s\S]*\[aios\] > $/, m, 30_000);
    expect(chat.text().slice(m)).toContain('declined by the person');
  });
});
