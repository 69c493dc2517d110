import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer, type Step } from '../support/llm-server';
import { named, startHarness, type Harness } from './harness';

let server: LlmServer | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

const lists = { auto_allow: ['printf*'] };

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** After a failure: the next turn works, the model sees the earlier question, and roles never repeat (strict chat templates refuse that). */
async function expectUsable(h: Harness, s: LlmServer, earlier: string): Promise<void> {
  s.push({ text: 'back again' });
  const t = await h.turn('are you there?');
  expect(t).toMatchObject({ status: 'done', text: 'back again' });
  const sent = s.requests.at(-1)!.body.messages;
  const users = sent.filter((m) => m.role === 'user').map((m) => m.content ?? '');
  expect(users.join('\n')).toContain(earlier);
  expect(users.at(-1)).toMatch(/are you there\?$/);
  for (let i = 1; i < sent.length; i++) expect(`${sent[i - 1]!.role}>${sent[i]!.role}`).not.toBe('user>user');
}

const cases: Array<{ name: string; steps: Step[]; kind: string; message: RegExp }> = [
  { name: '401 names the key setting', steps: [{ status: 401 }], kind: 'auth', message: /OPENAI_API_KEY.*api_key_env/ },
  { name: '500', steps: [{ status: 500 }], kind: 'server', message: /500/ },
  { name: 'a stream cut mid-way', steps: [{ cutAfter: 'I was say' }], kind: 'stream_cut', message: /stopped mid-way/ },
  { name: 'a timeout', steps: [{ hang: true }], kind: 'timeout', message: /request_timeout_s/ },
  {
    name: '429 beyond the retry bound',
    steps: [0, 1, 2, 3].map(() => ({ status: 429, headers: { 'retry-after': '0' } })),
    kind: 'rate_limit',
    message: /429/,
  },
];

describe('provider failures leave the session usable', () => {
  for (const c of cases) {
    it(c.name, async () => {
      server = await startLlmServer(c.steps);
      h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted', request_timeout_s: 1 }, lists });
      const t = await h.turn('first question');
      expect(t.status).toBe('error');
      const err = named(t.events, 'chat.error')[0];
      expect(err?.kind).toBe(c.kind);
      expect(err?.message).toMatch(c.message);
      await expectUsable(h, server, 'first question');
    });
  }

  it('429 with retry-after is retried (bounded) and the person is told', async () => {
    server = await startLlmServer([{ status: 429, headers: { 'retry-after': '0.05' } }, { text: 'after the wait' }]);
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists });
    const t = await h.turn('hello');
    expect(t).toMatchObject({ status: 'done', text: 'after the wait' });
    expect(named(t.events, 'chat.notice').some((n) => /rate limited: retrying/.test(n.message))).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('connection refused says which setting to check, then works once the server is there', async () => {
    const port = await freePort();
    h = await startHarness({ ai: { base_url: `http://127.0.0.1:${port}/v1`, model: 'scripted' }, lists });
    const t = await h.turn('first question');
    expect(t.status).toBe('error');
    expect(named(t.events, 'chat.error')[0]).toMatchObject({
      kind: 'connection',
      message: expect.stringMatching(/nothing is listening at 127\.0\.0\.1:[0-9]+: is the server running\?\. Check \[ai\] base_url/),
    });
    // A second failure is still a clean error, not a wedged loop.
    expect((await h.turn('second')).status).toBe('error');
    server = await startLlmServer([], { port });
    await expectUsable(h, server, 'first question');
  });

  it('tool-call arguments that are not JSON or fail the schema: the model is told once, then the turn stops', async () => {
    server = await startLlmServer([
      { toolCalls: [{ name: 'run_command', arguments: '{"command": "printf x",' }] },
      { toolCalls: [{ name: 'run_command', arguments: { command: 'printf fixed', reason: 'retry' } }] },
      { text: 'fixed it' },
    ]);
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists });
    const t = await h.turn('go');
    expect(t.status).toBe('done');
    expect(server.requests[1]!.body.messages.at(-1)!.content).toMatch(/not valid JSON/);
    expect(named(t.events, 'chat.commandDone')[0]).toMatchObject({ command: 'printf fixed', ran: true });

    server.push(
      { toolCalls: [{ name: 'run_command', arguments: { cmd: 'printf x' } }] },
      { toolCalls: [{ name: 'run_command', arguments: 'nope' }] },
    );
    const t2 = await h.turn('again');
    expect(server.requests[4]!.body.messages.at(-1)!.content).toMatch(/do not match the schema/);
    expect(t2.status).toBe('error');
    expect(named(t2.events, 'chat.error')[0]).toMatchObject({ kind: 'bad_tool_call' });
    await expectUsable(h, server, 'again');
  });

  it('an unknown tool: the model is told which tools exist', async () => {
    server = await startLlmServer([{ toolCalls: [{ name: 'format_disk', arguments: {} }] }, { text: 'sorry' }]);
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists });
    const t = await h.turn('go');
    expect(t.status).toBe('done');
    const told = JSON.parse(server.requests[1]!.body.messages.at(-1)!.content!) as { success: boolean; error: string };
    expect(told.success).toBe(false);
    expect(told.error).toMatch(/unknown tool "format_disk"/);
    expect(told.error).toContain('run_command');
  });

  it('no provider: the chat says exactly what to set, and !cmd still works', async () => {
    h = await startHarness({ ai: {}, lists });
    const t = await h.turn('hello');
    expect(t.status).toBe('error');
    const err = named(t.events, 'chat.error')[0]!;
    expect(err.kind).toBe('no_provider');
    expect(err.message).toMatch(/OPENAI_API_KEY/);
    expect(err.message).toMatch(/base_url/);
    const state = (await h.call('chat.state', {})) as { provider: string | null; problem: string | null };
    expect(state.provider).toBeNull();
    expect(state.problem).toMatch(/Ollama/);
    expect(await h.call('chat.run', { command: 'printf still-works' })).toMatchObject({ ran: true, output: 'still-works' });
  });

  it('a chat.approve for an id that was never asked is refused', async () => {
    h = await startHarness({ ai: {}, lists });
    await expect(h.call('chat.approve', { requestId: 'NOPE', approved: true })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('cancel', () => {
  it('stops a slow stream at once and keeps the session', async () => {
    server = await startLlmServer([{ text: 'one two three four five six seven eight', chunkDelayMs: 300 }]);
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists });
    const { turnId } = (await h.call('chat.send', { text: 'tell a long story' })) as { turnId: string };
    const done = new Promise((resolve) => h!.core.events.on('chat.turnDone', (p) => p.turnId === turnId && resolve(p.status)));
    await new Promise<void>((resolve) => {
      const off = h!.core.events.on('chat.delta', () => (off(), resolve()));
    });
    await h.call('chat.cancel', {});
    expect(await done).toBe('cancelled');
    const deltas = named(h.events, 'chat.delta')
      .map((d) => d.text)
      .join('');
    expect(deltas).not.toContain('eight');
    await expectUsable(h, server, 'tell a long story');
  });
});
