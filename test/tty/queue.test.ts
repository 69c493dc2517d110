/**
 * `aios chat` in a real pty: what the person types while aios works is not
 * dropped. It is queued with a visible marker and sent, in order, when the
 * answer ends; Ctrl-C drops the queue along with the turn.
 */
import { describe, expect, it } from 'vitest';
import { lastMessage } from '../support/llm-server';
import { chatWorld } from './chat-world';

const world = chatWorld({ ai: { request_timeout_s: 30 } });

describe('typing while aios works', () => {
  it('queues the input with a marker and sends it when the answer ends', async () => {
    const chat = await world.start({ cwd: world.dirs.dir });
    const server = world.server;
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
    const chat = await world.start({ cwd: world.dirs.dir });
    const server = world.server;
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
