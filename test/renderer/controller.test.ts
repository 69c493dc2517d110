/**
 * The chat UI's controller against a real core: the events the agent really
 * emits (scripted model, real policy, real commands) must end up as the rows,
 * cards, approvals and banners the page shows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import type { Scheduler } from '../../src/renderer/src/chat/batch';
import { useChat } from '../../src/renderer/src/chat/chat-store';
import { ChatController } from '../../src/renderer/src/chat/controller';
import { emptyChat, type CommandRow, type MessageRow } from '../../src/renderer/src/chat/types';
import { useUi } from '../../src/renderer/src/store';
import { BridgeError, type AiosBridge } from '../../src/shared/contract';
import { startHarness, type Harness } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';

// Node has no animation frames; a timer stands in, batching the same way.
const timerScheduler: Scheduler = {
  request(cb) {
    const t = setTimeout(cb, 5);
    return () => clearTimeout(t);
  },
};

/** Every call the controller made, by name. */
let called: string[] = [];

function bridgeFor(h: Harness): AiosBridge {
  return {
    async call(name, req) {
      called.push(name);
      const r = await dispatchCall(h.core.handlers, name, req, { clientId: 'ui-test' });
      if (!r.ok) throw new BridgeError(r.error.code, r.error.message);
      return r.value as never;
    },
    on: (name, listener) => h.core.events.on(name, listener),
  };
}

const cards = () => useChat.getState().rows.filter((r): r is CommandRow => r.kind === 'command');
const messages = () => useChat.getState().rows.filter((r): r is MessageRow => r.kind === 'message');
const idle = () => vi.waitFor(() => expect(useChat.getState().busy).toBeNull(), { timeout: 15_000 });

let server: LlmServer;
let h: Harness;
let chat: ChatController;
let typed: string[];

beforeEach(async () => {
  useChat.setState(emptyChat, true);
  useUi.setState({ status: undefined, provider: undefined, toasts: [] });
  server = await startLlmServer();
  h = await startHarness({
    ai: { base_url: server.baseUrl, model: 'scripted', approval_timeout_s: 30 },
    lists: { auto_allow: ['echo*', 'sleep*'], notify: ['ls*'], require_approval: ['touch*'], deny: ['rm -rf /'] },
  });
  typed = [];
  called = [];
  chat = new ChatController(bridgeFor(h), { scheduler: timerScheduler, typeInTerminal: (t) => typed.push(t) });
  chat.start();
  await vi.waitFor(() => expect(useUi.getState().provider).toEqual({ provider: expect.stringContaining('scripted'), problem: null }));
});

afterEach(async () => {
  chat.stop();
  await h.close();
  await server.close();
});

describe('the chat controller against the real core', () => {
  it('a command another window runs makes this one busy, and idle again, from the pushed status alone', async () => {
    const seen: boolean[] = [useChat.getState().busy !== null];
    const off = useChat.subscribe((s) => seen.at(-1) !== (s.busy !== null) && seen.push(s.busy !== null));
    const other = await dispatchCall(h.core.handlers, 'chat.run', { command: 'sleep 0.3' }, { clientId: 'other-window' });
    expect(other.ok).toBe(true);
    await h.core.status.settled();
    await idle();
    off();
    expect(seen).toEqual([false, true, false]);
    expect(called).not.toContain('chat.run');
  });

  it('asks for the status once and then follows what the core pushes, turn after turn', async () => {
    await vi.waitFor(() => expect(useUi.getState().status).toBeDefined());
    const seen: boolean[] = [];
    const off = useUi.subscribe((s) => s.status && seen.at(-1) !== s.status.busy && seen.push(s.status.busy));
    server.push({ text: 'First.', delayMs: 200 });
    chat.submit('one');
    await idle();
    await chat.direct('echo hi');
    await h.core.status.settled();
    off();
    // Busy and idle again, twice, each seen through a pushed status.
    expect(seen).toEqual([true, false, true, false]);
    expect(called.filter((n) => n === 'app.status')).toHaveLength(1);
  });

  it('streams an answer into one assistant row and frees the composer', async () => {
    server.push({ text: 'Hello **there**, the disk is fine.' });
    expect(chat.submit('how is the disk?')).toBe(true);
    await idle();
    expect(messages().map((m) => [m.role, m.text, m.streaming])).toEqual([
      ['user', 'how is the disk?', false],
      ['assistant', 'Hello **there**, the disk is fine.', false],
    ]);
    await vi.waitFor(() => expect(useUi.getState().status?.provider).toContain('scripted'));
  });

  it('notify: the command runs, its card fills, and a toast names it', async () => {
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'ls /', reason: 'look' } }] }, { text: 'Listed.' });
    chat.submit('list /');
    await idle();
    const [card] = cards();
    expect(card).toMatchObject({ command: 'ls /', decision: 'notify', rule: expect.stringContaining('ls*'), state: 'done', exitCode: 0 });
    expect(card!.output.map((c) => c.data).join('')).toMatch(/\betc\b/);
    expect(card!.durationMs).toBeGreaterThanOrEqual(0);
    expect(useUi.getState().toasts.map((t) => t.text)).toEqual(['Running (notify): ls /']);
  });

  it('approval: the command waits for the answer to the id the core sent, then runs', async () => {
    const canary = path.join(h.dir, 'approved-canary');
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'make' } }] }, { text: 'Made it.' });
    chat.submit('make the file');
    await vi.waitFor(() => expect(useChat.getState().approvals).toHaveLength(1), { timeout: 15_000 });
    const request = useChat.getState().approvals[0]!;
    expect(request).toMatchObject({ command: `touch ${canary}`, rule: expect.stringContaining('touch*') });
    expect(cards()[0]).toMatchObject({ state: 'waiting', callId: request.callId });
    expect(fs.existsSync(canary)).toBe(false);
    await chat.answer(request.requestId, true);
    await idle();
    expect(cards()[0]).toMatchObject({ state: 'done', exitCode: 0 });
    expect(fs.existsSync(canary)).toBe(true);
    // The id was single-use: answering again is refused by the core and only tells the person.
    await chat.answer(request.requestId, true);
    expect(useUi.getState().toasts.at(-1)?.text).toMatch(/Too late/);
  });

  it('decline and deny: nothing runs and the cards say why', async () => {
    const canary = path.join(h.dir, 'declined-canary');
    server.push(
      { toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'make' } }] },
      { text: 'OK, not made.' },
    );
    chat.submit('make the file');
    await vi.waitFor(() => expect(useChat.getState().approvals).toHaveLength(1), { timeout: 15_000 });
    await chat.answer(useChat.getState().approvals[0]!.requestId, false);
    await idle();
    expect(cards()[0]).toMatchObject({ state: 'refused', refusal: expect.stringContaining('declined') });
    expect(fs.existsSync(canary)).toBe(false);

    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'rm -rf /', reason: 'oops' } }] }, { text: 'Refused.' });
    chat.submit('wipe it');
    await idle();
    expect(cards()[1]).toMatchObject({
      decision: 'deny',
      state: 'refused',
      refusal: expect.stringMatching(/^denied by policy: .*rm -rf \//),
    });
    expect(useChat.getState().approvals).toEqual([]);
  });

  it('cancel stops a running command and the turn', async () => {
    server.push(
      { toolCalls: [{ name: 'run_command', arguments: { command: 'echo start; sleep 30', reason: 'wait' } }] },
      { text: 'never' },
    );
    chat.submit('wait a while');
    await vi.waitFor(
      () =>
        expect(
          cards()[0]
            ?.output.map((c) => c.data)
            .join(''),
        ).toContain('start'),
      { timeout: 15_000 },
    );
    expect(cards()[0]!.state).toBe('running');
    await chat.cancel();
    await idle();
    expect(cards()[0]!.state).toBe('cancelled');
    expect(messages().at(-1)).toMatchObject({ role: 'system', text: 'Cancelled.' });
  });

  it('a provider error shows a banner, keeps the conversation, and a retry works', async () => {
    server.push({ text: 'first answer' });
    chat.submit('one');
    await idle();
    server.push({ status: 500 });
    chat.submit('two');
    await idle();
    expect(useChat.getState().errors).toHaveLength(1);
    expect(useChat.getState().errors[0]!.message).toMatch(/500/);
    // Said once (the banner); the question that got no answer is marked.
    expect(messages().map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages().at(-1)).toMatchObject({ role: 'user', text: 'two', failed: true });
    server.push({ text: 'second answer' });
    chat.submit('two again');
    await idle();
    expect(messages().at(-1)).toMatchObject({ role: 'assistant', text: 'second answer' });
  });

  it('restart restores messages and command cards from the memory file', async () => {
    server.push(
      { text: 'Let me see.', toolCalls: [{ name: 'run_command', arguments: { command: 'echo restored-output', reason: 'r' } }] },
      { text: 'It said restored-output.' },
    );
    chat.submit('say it');
    await idle();
    chat.stop();
    await h.restart();
    useChat.setState(emptyChat, true);
    chat = new ChatController(bridgeFor(h), { scheduler: timerScheduler });
    chat.start();
    await vi.waitFor(() => expect(useChat.getState().rows.length).toBeGreaterThan(0));
    const rows = useChat.getState().rows;
    expect(rows.map((r) => (r.kind === 'message' ? r.role : r.kind))).toEqual(['user', 'assistant', 'command', 'assistant']);
    expect(cards()[0]).toMatchObject({ command: 'echo restored-output', state: 'done', exitCode: 0, restored: true });
    expect(
      cards()[0]!
        .output.map((c) => c.data)
        .join(''),
    ).toContain('restored-output');
  });

  it('a tab that reconnects to a restarted core drops the approval that died with the old one', async () => {
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: 'touch never-made', reason: 'r' } }] });
    chat.submit('make it');
    await vi.waitFor(() => expect(useChat.getState().approvals).toHaveLength(1), { timeout: 15_000 });
    // The server goes away without a word (as after a crash): no event settles the question.
    chat.stop();
    await h.restart();
    chat = new ChatController(bridgeFor(h), { scheduler: timerScheduler });
    await chat.restore(true);
    expect(useChat.getState().approvals).toEqual([]);
    expect(useChat.getState().busy).toBeNull();
  });

  it('a question typed in another tab appears here, once; the one typed here is not doubled', async () => {
    server.push({ text: 'answer to the other tab' }, { text: 'answer here' });
    const other = await dispatchCall(h.core.handlers, 'chat.send', { text: 'asked in the other tab' }, { clientId: 'other-tab' });
    expect(other.ok).toBe(true);
    await vi.waitFor(() => expect(messages().map((m) => m.text)).toContain('answer to the other tab'), { timeout: 15_000 });
    await h.core.chat.open().agent.idle();
    await idle();
    chat.submit('asked here');
    await vi.waitFor(() => expect(messages().map((m) => m.text)).toContain('answer here'), { timeout: 15_000 });
    const texts = messages().map((m) => m.text);
    expect(texts.filter((t) => t === 'asked in the other tab')).toHaveLength(1);
    expect(texts.filter((t) => t === 'asked here')).toHaveLength(1);
    expect(texts.indexOf('asked in the other tab')).toBeLessThan(texts.indexOf('answer to the other tab'));
  });

  it('slash commands, !commands and unknown input', async () => {
    chat.submit('!echo typed-by-hand');
    await idle();
    expect(cards()[0]).toMatchObject({ command: 'echo typed-by-hand', state: 'done', decision: 'auto_allow' });
    chat.submit('/history echo');
    await vi.waitFor(() => expect(messages().at(-1)?.text).toContain('echo typed-by-hand'));
    chat.submit('/nope');
    expect(messages().at(-1)).toMatchObject({ role: 'system', text: 'unknown command /nope; /help lists them' });
    chat.submit('/help');
    expect(messages().at(-1)?.text).toContain('/memory');
    chat.openConfigInTerminal('/home/me/.config/syui/ai/config.toml');
    expect(useUi.getState().terminalVisible).toBe(true);
    expect(typed).toEqual([
      `mkdir -p '/home/me/.config/syui/ai' && \${VISUAL:-\${EDITOR:-$(command -v nano || command -v vim || echo vi)}} '/home/me/.config/syui/ai/config.toml'`,
    ]);
    chat.submit('/clear');
    await vi.waitFor(() => expect(useChat.getState().rows).toEqual([expect.objectContaining({ role: 'system' })]));
    const state = (await bridgeFor(h).call('chat.state', {})) as { messages: unknown[] };
    expect(state.messages).toEqual([]);
  });
});

describe('without a provider', () => {
  it('reports the problem, shows the setup card state, and direct commands still run', async () => {
    chat.stop();
    await h.close();
    h = await startHarness({ ai: { request_timeout_s: 5 }, lists: { auto_allow: ['echo*'] } });
    useChat.setState(emptyChat, true);
    useUi.setState({ provider: undefined });
    chat = new ChatController(bridgeFor(h), { scheduler: timerScheduler });
    chat.start();
    await vi.waitFor(() =>
      expect(useUi.getState().provider).toEqual({ provider: null, problem: expect.stringContaining('OPENAI_API_KEY') }),
    );
    chat.submit('hello?');
    await idle();
    expect(messages().map((m) => m.role)).toEqual(['user', 'error']);
    expect(useUi.getState().setupRequest).toMatchObject({ focus: false });
    expect(useUi.getState().setupRequest.seq).toBeGreaterThan(0);
    chat.submit('!echo still-works');
    await idle();
    expect(cards()[0]).toMatchObject({ state: 'done', exitCode: 0 });
  });
});
