/**
 * `aios chat` in a real pty with transactions on (a scratch tree as the
 * machine) and the scripted OpenAI-compatible server standing in for the
 * model: the AI's notify commands land as transactions, the card says what
 * they changed, and /undo puts the files back, newest first; /redo redoes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs, writeConfig } from '../agent/harness';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from '../tty/pty-harness';
import { canRun, makeMachine, treeHash } from './support';

let server: LlmServer;
let dirs: ReturnType<typeof makeDirs>;
let chat: ChatPty | undefined;
let machine: string;
const PROMPT = /\[aios\] > $/;

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  machine = path.join(dirs.dir, 'machine');
  makeMachine(machine);
  writeConfig(
    dirs.env,
    { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 10, approval_timeout_s: 60 },
    { notify: ['echo*', 'rm*'] },
  );
  fs.appendFileSync(
    path.join(dirs.env.AIOS_CONFIG_DIR!, 'config.toml'),
    `\n[transactions]\nenabled = true\npaths = [${JSON.stringify(machine)}]\nstate_dir = ${JSON.stringify(path.join(dirs.dir, 'state'))}\n`,
  );
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

describe.skipIf(!canRun)('/undo in aios chat', () => {
  it("undoes the AI's commands newest first, back to the same tree, and redoes", async () => {
    const h0 = treeHash(machine);
    // The machine is the working tree, so writing in it is notify, not a question.
    chat = startChat(chatEnv(dirs.env), machine);
    const c = chat;
    await c.waitFor(PROMPT, 0, 30_000);
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'echo "port = 1" > etc/app/app.conf', reason: 'config' } }] });
    server.setResponder((body) => ({
      text: `Done: ${lastMessage(body, 'tool').includes('[aios] transaction: ') ? 'in a transaction' : 'directly'}`,
    }));
    let m = c.mark();
    c.type('set the port\r');
    await c.waitFor(/Done: in a transaction[\s\S]*\[aios\] > $/, m, 60_000);
    expect(c.text().slice(m)).toContain('changed: 1 changed (/undo puts it back)');
    const h1 = treeHash(machine);
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'rm -rf home/me/notes', reason: 'tidy' } }] });
    m = c.mark();
    c.type('remove the notes\r');
    // rm -rf asks whatever the rules say; approved, it runs as a transaction too.
    await c.waitFor(/Run it\? \[y\/N\] \(\d+ s\) $/, m, 60_000);
    c.type('y\r');
    await c.waitFor(/Done: in a transaction[\s\S]*\[aios\] > $/, m, 60_000);
    expect(fs.existsSync(path.join(machine, 'home/me/notes'))).toBe(false);

    m = c.mark();
    c.type('/undo\r');
    await c.waitFor(/undone: rm -rf home\/me\/notes \(5 added[\s\S]*\[aios\] > $/, m, 30_000);
    expect(treeHash(machine)).toEqual(h1);
    m = c.mark();
    c.type('/undo\r');
    await c.waitFor(/undone: echo "port = 1"[\s\S]*\[aios\] > $/, m, 30_000);
    expect(treeHash(machine)).toEqual(h0);
    m = c.mark();
    c.type('/redo\r');
    await c.waitFor(/redone: echo "port = 1"[\s\S]*\[aios\] > $/, m, 30_000);
    expect(fs.readFileSync(path.join(machine, 'etc/app/app.conf'), 'utf8')).toBe('port = 1\n');
  }, 180_000);
});
