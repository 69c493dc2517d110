import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs, writeConfig, type Lists } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { isAlive } from '../support/process';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from '../tty/pty-harness';

/**
 * kill -9 of the real `aios chat` process while a command runs: the record
 * of the command and the call that asked for it must already be in the
 * memory file, and the next start must mark them interrupted, show it, and
 * tell the model with a valid tool result.
 */

let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;
let leftover: number | undefined;
const PROMPT = /\[aios\] > $/;
const lists: Lists = { auto_allow: ['printf*'], require_approval: ['sh*'] };

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  writeConfig(dirs.env, { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 5, approval_timeout_s: 60 }, lists);
});
afterEach(async () => {
  // The command outlives a kill -9 today (process containment is another change): end it here.
  if (leftover && isAlive(leftover)) process.kill(leftover, 'SIGKILL');
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

function children(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The node process that runs aios itself (tsx starts it as a child), found under the pty's process. */
function aiosProcess(root: number): number {
  const cmd = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };
  let current = root;
  for (;;) {
    const next = children(current).find((c) => cmd(c).includes('src/hosts/cli.ts'));
    if (next === undefined) return current;
    current = next;
  }
}

describe('kill -9 while a command runs', () => {
  it('leaves a running record and the call; the next start marks them interrupted, shows it, and tells the model', async () => {
    const env = chatEnv(dirs.env);
    const work = path.join(dirs.dir, 'work');
    const pidFile = path.join(dirs.dir, 'pid');
    chat = startChat(env, work);
    await chat.waitFor(PROMPT, 0, 30_000);
    server.push({
      toolCalls: [
        { id: 'call_long', name: 'run_command', arguments: { command: `sh -c 'echo $$ > ${pidFile}; exec sleep 60'`, reason: 'long' } },
      ],
    });
    const m = chat.mark();
    chat.type('run something long\r');
    await chat.waitFor(/Run it\? \[y\/N\]/, m, 30_000);
    chat.type('y\r');
    const end = Date.now() + 15_000;
    while (!(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim())) {
      if (Date.now() > end) throw new Error('command did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    leftover = Number(fs.readFileSync(pidFile, 'utf8'));
    const aios = aiosProcess(chat.pid);
    expect(fs.readFileSync(`/proc/${aios}/cmdline`, 'utf8')).toContain('chat');
    process.kill(aios, 'SIGKILL');
    chat.kill();
    await chat.exited;

    // What the file holds at the moment of the crash.
    const file = path.join(dirs.env.AIOS_CONFIG_DIR!, 'gpt', 'memory.db');
    const db = new Database(file, { readonly: true });
    const row = db.prepare("SELECT state, call_id, command FROM aios_command_history WHERE call_id = 'call_long'").get() as
      { state: string } | undefined;
    expect(row?.state).toBe('running');
    const stored = (db.prepare('SELECT message FROM aios_conversation_messages ORDER BY seq').pluck().all() as string[]).map(
      (t) => JSON.parse(t) as Record<string, unknown>,
    );
    expect(stored.some((msg) => msg.role === 'assistant' && JSON.stringify(msg.tool_calls).includes('call_long'))).toBe(true);
    db.close();

    // The next start.
    chat = startChat(env, work);
    await chat.waitFor(/aios stopped \(killed or crashed\)[^\n]*sh -c/, 0, 30_000);
    await chat.waitFor(PROMPT, 0, 30_000);
    let m2 = chat.mark();
    chat.type('/history\r');
    await chat.waitFor(/interrupted\s+sh -c/, m2, 30_000);

    const after = new Database(file, { readonly: true });
    const swept = after.prepare("SELECT state, record_json FROM aios_command_history WHERE call_id = 'call_long'").get() as {
      state: string;
      record_json: string;
    };
    expect(swept.state).toBe('interrupted');
    expect(JSON.parse(swept.record_json).done.refusal).toMatch(/interrupted: aios stopped \(killed or crashed\)/);
    after.close();

    server.push({ text: 'It was interrupted.' });
    m2 = chat.mark();
    chat.type('did it finish?\r');
    await chat.waitFor(/It was interrupted\.[\s\S]*\[aios\] > $/, m2, 30_000);
    const sent = server.requests.at(-1)!.body.messages;
    const callAt = sent.findIndex((x) => x.role === 'assistant' && x.tool_calls?.some((c) => c.id === 'call_long'));
    expect(callAt).toBeGreaterThan(0);
    // The result follows its call at once: the request is one the API accepts.
    expect(sent[callAt + 1]).toMatchObject({ role: 'tool', tool_call_id: 'call_long' });
    expect(String(sent[callAt + 1]!.content)).toMatch(/interrupted/);
  }, 90_000);

  it('a "y" typed after a restart that lost the pending approval is not sent to the model; the cut-off turn is marked', async () => {
    const env = chatEnv(dirs.env);
    const work = path.join(dirs.dir, 'work');
    const marker = path.join(dirs.dir, 'never');
    chat = startChat(env, work);
    await chat.waitFor(PROMPT, 0, 30_000);
    server.push({
      toolCalls: [{ id: 'call_ask', name: 'run_command', arguments: { command: `sh -c 'touch ${marker}'`, reason: 'asks first' } }],
    });
    const m = chat.mark();
    chat.type('make the file\r');
    await chat.waitFor(/Run it\? \[y\/N\]/, m, 30_000);
    process.kill(aiosProcess(chat.pid), 'SIGKILL');
    chat.kill();
    await chat.exited;

    chat = startChat(env, work);
    await chat.waitFor(/that turn stopped before the model answered/, 0, 30_000);
    await chat.waitFor(PROMPT, 0, 30_000);
    const asked = server.requests.length;
    const m2 = chat.mark();
    chat.type('y\r');
    await chat.waitFor(/no question is waiting: aios stopped while it asked about sh -c[\s\S]*\[aios\] > $/, m2, 30_000);
    expect(server.requests.length).toBe(asked);
    expect(fs.existsSync(marker)).toBe(false);
  }, 90_000);

  it('a question cut off while the model was answering is marked unanswered after the restart', async () => {
    const env = chatEnv(dirs.env);
    const work = path.join(dirs.dir, 'work');
    chat = startChat(env, work);
    await chat.waitFor(PROMPT, 0, 30_000);
    server.push({ hang: true });
    chat.type('a question\r');
    const end = Date.now() + 15_000;
    while (server.requests.length === 0) {
      if (Date.now() > end) throw new Error('no request');
      await new Promise((r) => setTimeout(r, 20));
    }
    process.kill(aiosProcess(chat.pid), 'SIGKILL');
    chat.kill();
    await chat.exited;
    chat = startChat(env, work);
    await chat.waitFor(/you: a question\s*\n\(that question got no answer/, 0, 30_000);
  }, 90_000);
});
