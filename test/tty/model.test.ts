/**
 * `/model` in `aios chat` (a real pty): lists the models the provider offers
 * and switches mid-conversation; the next request uses the new model and the
 * conversation goes on. An unknown name is refused with the way to list.
 */
import { describe, expect, it } from 'vitest';
import { chatWorld } from './chat-world';

const world = chatWorld({
  ai: { request_timeout_s: 10 },
  server: {
    models: {
      status: 200,
      body: {
        object: 'list',
        data: [
          { id: 'scripted', object: 'model' },
          { id: 'bigger', object: 'model' },
        ],
      },
    },
  },
});

describe('/model', () => {
  it("lists the provider's models and switches mid-conversation", async () => {
    const chat = await world.start({ cwd: world.dirs.dir });
    const server = world.server;
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
