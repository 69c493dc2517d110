/**
 * `aios chat` in a real pty: what the person types while aios works is not
 * dropped. It is queued with a visible marker and sent, in order, when the
 * answer ends; Ctrl-C drops the queue along with the turn.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs, writeConfig } from '../agent/harness';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

const PROMPT = /\[aios\] > $/;
let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;

beforeEach(async () => {
  server = await startLlmServer();
  dirs = makeDirs();
  writeConfig(dirs.env, { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 30 }, {});
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

describe('typing while aios works', () => {
  it('queues the input with a marker and sends it when the answer ends', async () => {
    chat = startChat(chatEnv(dirs.env), dirs.dir);
    await chat.waitFor(PROMPT, 0, 30_000);
    // The first answer takes a while; the second comes at once.
    server.push({ text: 'First answer.', delayMs: 4000 }, { text: 'Second answer.' });
    const m = chat.mark();
    chat.type('first question\r');
    await chat.waitFor(/first question\n/, m);
    chat.type('second question\r');
    const queued = await chat.waitFor(/⏵ queued \(1\): second question/, m);
    expect(chat.text().slice(m)).not.toContain('still working');
    await chat.waitFor(/First answer\.[\s\S]*⏵ sending queued: second question[\s\S]*Second answer\.[\s\S]*\[aios\] > $/, queued, 20_000);
    expect(server.requests).toHaveLength(2);
    expect(lastMessage(server.requests[1]!.body, 'user')).toBe('second question');
  }, 60_000);

  it('Ctrl-C cancels the turn and drops what was queued, saying so', async () => {
    chat = startChat(chatEnv(dirs.env), dirs.dir);
    await chat.waitFor(PROMPT, 0, 30_000);
    server.push({ hang: true });
    const m = chat.mark();
    chat.type('first question\r');
    await chat.waitFor(/first question\n/, m);
    chat.type('never sent\r');
    await chat.waitFor(/⏵ queued \(1\): never sent/, m);
    chat.type('\x03');
    await chat.waitFor(/\(1 queued input dropped\)[\s\S]*\[aios\] > $/, m, 20_000);
    expect(server.requests).toHaveLength(1);
  }, 60_000);
});
