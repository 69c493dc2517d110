import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs } from '../agent/harness';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

/**
 * Secrets through the real `aios chat`: the provider key must reach neither
 * the model nor the memory file, whatever command reads the environment, and
 * a script auto-allowed by name runs confined to the working tree.
 */
const KEY = 'sk-aios-test-7f3c9e1b5d2a4c6e8f0a1b2c3d4e5f60';
const PROMPT = /\[aios\] > $/;

let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;

function writeConfig(bwrap = 'bwrap'): void {
  fs.writeFileSync(
    path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'),
    [
      '[ai]',
      `base_url = ${JSON.stringify(server.baseUrl)}`,
      'model = "scripted"',
      'api_key_env = "AIOS_TEST_PROVIDER_KEY"',
      'request_timeout_s = 5',
      'approval_timeout_s = 60',
      '',
      '[permissions]',
      'auto_allow = ["cat *", "./writer.sh"]',
      'require_approval = ["env"]',
      '',
      '[commands]',
      `bwrap = ${JSON.stringify(bwrap)}`,
      '',
    ].join('\n'),
  );
}

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  writeConfig();
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

const work = () => path.join(dirs.dir, 'work');
const memoryFile = () => path.join(dirs.env.AIOS_CONFIG_DIR!, 'gpt', 'memory.db');

/** The model runs ./writer.sh from the working tree; resolves once its answer is on screen. */
async function modelRunsWriter(): Promise<{ c: ChatPty; m: number }> {
  const c = await open();
  server.push({ toolCalls: [{ name: 'run_command', arguments: { command: './writer.sh', reason: 'run it' } }] });
  server.setResponder((body) => ({ text: `Done: ${lastMessage(body, 'tool').slice(0, 400)}` }));
  const m = c.mark();
  c.type('run the writer\r');
  await c.waitFor(/Done: [\s\S]*\[aios\] > $/, m);
  return { c, m };
}

async function open(): Promise<ChatPty> {
  const env = chatEnv(dirs.env, { AIOS_TEST_PROVIDER_KEY: KEY });
  chat = startChat(env, work());
  await chat.waitFor(PROMPT, 0, 30_000);
  return chat;
}

/** Every byte of the memory file and its WAL, as text. */
function memoryBytes(): string {
  return ['', '-wal', '-shm']
    .map((s) => (fs.existsSync(memoryFile() + s) ? fs.readFileSync(memoryFile() + s).toString('latin1') : ''))
    .join('');
}

describe('aios chat keeps the provider key home', () => {
  it('an auto-allowed cat of /proc/self/environ and of its parent, and an approved env, show the model no key', async () => {
    const c = await open();
    server.push(
      { toolCalls: [{ name: 'run_command', arguments: { command: 'cat /proc/self/environ', reason: 'look' } }] },
      { toolCalls: [{ name: 'run_command', arguments: { command: 'cat /proc/$PPID/environ /proc/$PPID/cmdline', reason: 'parent' } }] },
      { toolCalls: [{ name: 'run_command', arguments: { command: 'env', reason: 'all of it' } }] },
    );
    server.setResponder((body) => ({ text: `Seen: ${lastMessage(body, 'tool').slice(0, 200)}` }));
    const m = c.mark();
    c.type('show me the environment\r');
    // `env` asks (and, depending on the rules, the parent's environ): approve whatever asks, until the answer.
    let at = m;
    let approvals = 0;
    for (;;) {
      at = await c.waitFor(/Run it\? \[y\/N\] \(\d+ s\) $|Seen: [\s\S]*\[aios\] > $/, at);
      if (!/Run it\? \[y\/N\] \(\d+ s\) $/.test(c.text())) break;
      approvals++;
      c.type('y\r');
    }
    expect(approvals).toBeGreaterThanOrEqual(1);
    const tools = server.requests.flatMap((r) => r.body.messages.filter((x) => x.role === 'tool').map((x) => x.content ?? ''));
    // The three commands ran and their output reached the model…
    expect(tools.some((t) => t.includes('PATH='))).toBe(true);
    // Confined, `$PPID` is the sandbox's own parent, whose environment is already scrubbed; unconfined it is aios, and its key is redacted. Either way:
    // …without the key, anywhere the model, the screen or the memory file could hold it.
    expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(KEY);
    expect(c.text()).not.toContain(KEY);
    c.type('/quit\r');
    await c.exited;
    chat = undefined;
    expect(memoryBytes()).not.toContain(KEY);
    // The history of those commands is there, so the file was really written.
    expect(memoryBytes()).toContain('cat /proc/self/environ');
  }, 60_000);

  it('a script auto-allowed by name cannot write outside the working tree, yet runs and writes inside it', async () => {
    // Not under /tmp: that is the sandbox's private tmpfs, where a write would "succeed" out of sight.
    const outsideDir = fs.mkdtempSync('/var/tmp/aios-outside-');
    const outside = path.join(outsideDir, 'outside.txt');
    const bashrc = path.join(work(), '.git', 'hooks', 'pre-commit');
    fs.mkdirSync(path.dirname(bashrc), { recursive: true });
    fs.writeFileSync(bashrc, '#!/bin/sh\nexit 0\n');
    fs.writeFileSync(
      path.join(work(), 'writer.sh'),
      `#!/bin/sh\necho inside > inside.txt && echo wrote-inside\necho evil > ${outside} || echo outside-refused\necho evil >> .git/hooks/pre-commit || echo hook-refused\necho scratch > /tmp/aios-scratch && echo tmp-ok\n`,
      { mode: 0o755 },
    );
    await modelRunsWriter();
    expect(fs.readFileSync(path.join(work(), 'inside.txt'), 'utf8')).toBe('inside\n');
    expect(fs.existsSync(outside)).toBe(false);
    fs.rmSync(outsideDir, { recursive: true, force: true });
    expect(fs.readFileSync(bashrc, 'utf8')).toBe('#!/bin/sh\nexit 0\n');
    expect(fs.existsSync('/tmp/aios-scratch')).toBe(false);
    const told = lastMessage(server.requests[1]!.body, 'tool');
    expect(told).toContain('wrote-inside');
    expect(told).toContain('outside-refused');
    expect(told).toContain('hook-refused');
    expect(told).toContain('tmp-ok');
  }, 60_000);

  it('without bubblewrap the same script is not quiet: it runs as notify and says why', async () => {
    writeConfig(path.join(dirs.dir, 'no-such-bwrap'));
    fs.writeFileSync(path.join(work(), 'writer.sh'), '#!/bin/sh\necho ran-unconfined\n', { mode: 0o755 });
    const { c, m } = await modelRunsWriter();
    const t = c.text().slice(m);
    expect(t).toMatch(/\[notify\]/);
    expect(t).toMatch(/running \(notify/);
    expect(lastMessage(server.requests[1]!.body, 'tool')).toContain('ran-unconfined');
  }, 60_000);
});
