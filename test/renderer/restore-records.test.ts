/**
 * A restored command card is built from the core's structured
 * record, so it equals the live card field by field (all but its row id and
 * `restored`). Live: the real core (scripted model, real policy, real bash)
 * feeding the real ChatController and reducer. Restored: a restarted core's
 * chat.state read by a fresh controller.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchCall } from '../../src/core/bridge/dispatch';
import { SHUTDOWN } from '../../src/core/gate';
import type { Scheduler } from '../../src/renderer/src/chat/batch';
import { useChat } from '../../src/renderer/src/chat/chat-store';
import { ChatController } from '../../src/renderer/src/chat/controller';
import { emptyChat, type CommandRow } from '../../src/renderer/src/chat/types';
import { useUi } from '../../src/renderer/src/store';
import { BridgeError, type AiosBridge, type CommandRecord } from '../../src/shared/contract';
import { startHarness, type Harness } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';

const timerScheduler: Scheduler = {
  request(cb) {
    const t = setTimeout(cb, 5);
    return () => clearTimeout(t);
  },
};

function bridgeFor(h: Harness): AiosBridge {
  return {
    async call(name, req) {
      const r = await dispatchCall(h.core.handlers, name, req, { clientId: 'ui-test' });
      if (!r.ok) throw new BridgeError(r.error.code, r.error.message);
      return r.value as never;
    },
    on: (name, listener) => h.core.events.on(name, listener),
  };
}

const cards = () => useChat.getState().rows.filter((r): r is CommandRow => r.kind === 'command');
/** Everything the person sees of a card; the row id and `restored` differ by design. */
const comparable = ({ id: _id, restored: _restored, ...rest }: CommandRow) => rest;
const run = (command: string, reason = 'because') => ({ name: 'run_command', arguments: { command, reason } });

let server: LlmServer;
let h: Harness;
let chat: ChatController;

beforeEach(async () => {
  useChat.setState(emptyChat, true);
  useUi.setState({ status: undefined, provider: undefined, toasts: [] });
  server = await startLlmServer();
  h = await startHarness({
    ai: { base_url: server.baseUrl, model: 'scripted', approval_timeout_s: 1, command_timeout_s: 2 },
    lists: { auto_allow: ['printf*', 'sh -c*'], notify: ['sleep*'], require_approval: ['touch*'], deny: ['mkdir*'] },
  });
  chat = new ChatController(bridgeFor(h), { scheduler: timerScheduler });
  chat.start();
  await vi.waitFor(() => expect(useUi.getState().provider).toEqual({ provider: expect.stringContaining('scripted'), problem: null }));
});

afterEach(async () => {
  chat.stop();
  await h.close();
  await server.close();
});

async function turn(text: string, during?: () => Promise<void>): Promise<void> {
  const t = h.turn(text);
  await during?.();
  await t;
  await vi.waitFor(() => expect(useChat.getState().busy).toBeNull(), { timeout: 15_000 });
}

const running = (command: string) =>
  vi.waitFor(
    () =>
      expect(cards().find((c) => c.command === command)?.state, JSON.stringify(cards().map((c) => [c.command, c.state, c.refusal]))).toBe(
        'running',
      ),
    { timeout: 10_000 },
  );

describe('restored command cards come from structured records', () => {
  it('equal the live cards field by field: done, failed, denied, declined, approval timeout, command timeout, cancelled, interrupted', async () => {
    const work = path.join(h.dir, 'work');
    h.autoAnswer(false);
    server.push(
      {
        text: 'Checking. ',
        toolCalls: [
          run('printf done-ok'),
          run("sh -c 'printf out; printf err >&2; printf more; exit 3'", 'both streams'),
          run(`mkdir ${work}/no`),
          run(`touch ${work}/declined`),
        ],
      },
      { text: 'ok' },
    );
    await turn('several');

    h.autoAnswer(undefined);
    server.push({ toolCalls: [run(`touch ${work}/unanswered`)] }, { text: 'no answer' });
    await turn('approval timeout');

    server.push({ toolCalls: [run('sleep 20', 'too slow')] }, { text: 'timed out' });
    await turn('command timeout');

    server.push({ toolCalls: [run('sleep 21', 'to be cancelled')] });
    await turn('cancel it', async () => {
      await running('sleep 21');
      await h.call('chat.cancel', {});
    });

    // aios stops while a command runs: the core aborts it as a shutdown.
    server.push({ toolCalls: [run('sleep 22', 'interrupted')] });
    await turn('interrupt it', async () => {
      await running('sleep 22');
      h.core.chat.cancel(SHUTDOWN);
    });

    const live = cards();
    expect(live.map((c) => c.state)).toEqual(['done', 'done', 'refused', 'refused', 'refused', 'timeout', 'cancelled', 'cancelled']);
    expect(new Set(live[1]!.output.map((o) => o.stream))).toEqual(new Set(['stdout', 'stderr']));
    expect(live.map((c) => c.decidedBy)).toEqual(['rules', 'rules', 'rules', 'you', 'timeout', 'rules', 'rules', 'rules']);
    expect(live[7]!.refusal).toMatch(/^interrupted/);

    // The same rows answer /history and the audit trail, keyed by the same call ids.
    const listed = (
      (await h.call('commandLog.list', { limit: 50 })) as { items: Array<{ callId: string | null; conversationId: string | null }> }
    ).items;
    expect(listed.map((i) => i.callId).sort()).toEqual(live.map((c) => c.callId).sort());
    expect(new Set(listed.map((i) => i.conversationId)).size).toBe(1);

    chat.stop();
    await h.restart();
    const records = ((await h.call('chat.state', {})) as { commands: CommandRecord[] }).commands;
    expect(records.map((r) => r.callId).sort()).toEqual(live.map((c) => c.callId).sort());

    useChat.setState(emptyChat, true);
    chat = new ChatController(bridgeFor(h), { scheduler: timerScheduler });
    chat.start();
    await vi.waitFor(() => expect(cards()).toHaveLength(live.length));
    const restored = cards();
    expect(restored.every((c) => c.restored)).toBe(true);
    expect(restored.map(comparable)).toEqual(live.map(comparable));
  });
});
