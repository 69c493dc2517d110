/**
 * `/model` in `aios chat` (a real pty): lists the models the provider offers
 * and switches mid-conversation; the next request uses the new model and the
 * conversation goes on. An unknown name is refused with the way to list.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirs, writeConfig } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { chatEnv, startChat, stopChatWorld, type ChatPty } from './pty-harness';

const PROMPT = /\[aios\] > $/;
let server: LlmServer;
let dirs: { dir: string; env: Record<string, string> };
let chat: ChatPty | undefined;

beforeEach(async () => {
  server = await startLlmServer([], { models: { status: 200, body: { object: 'list', data: [{ id: 'scripted', object: 'model' }, { id: 'bigger', object: 'model' }] } } });
  dirs = makeDirs();
  writeConfig(dirs.env, { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 10 }, {});
});
afterEach(async () => {
  await stopChatWorld({ chat, server, dir: dirs.dir });
  chat = undefined;
});

describe('/model', () => {
  it('lists the provider\'s models and switches mid-conversation', async () => {
    chat = startChat(chatEnv(dirs.env), dirs.dir);
    await chat.waitFor(PROMPT, 0, 30_000);
    server.push({ text: 'First.' }, { text: 'Second.' });
    let m = chat.mark();
    chat.type('hello\r');
    await chat.waitFor(/First\.[\s\S]*\[aios\] > $/, m);
    m = chat.mark();
    chat.type('/model\r');
    await chat.waitFor(/ {2}bigger\n\* scripted\n[\s\S]*\[aios\] > $/, m);
    m = chat.mark();
    chat.type('/model nope\r');
    await chat.waitFor(/has no model nope[\s\S]*\[aios\] > $/, m);
    m = chat.mark();
    chat.type('/model bigger\r');
    await chat.waitFor(/now using bigger[\s\S]*\[aios\] > $/, m);
    m = chat.mark();
    chat.type('and now?\r');
    await chat.waitFor(/Second\.[\s\S]*\[aios\] > $/, m);
    const last = server.requests.at(-1)!.body;
    expect(last.model).toBe('bigger');
    // The conversation went on: the first exchange is still in what the model is sent.
    expect(JSON.stringify(last.messages)).toContain('hello');
  }, 60_000);
});
