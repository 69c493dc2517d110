import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src/shared/contract';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { named, startHarness, type Harness } from './harness';

let server: LlmServer;
let h: Harness;

beforeEach(async () => {
  server = await startLlmServer();
  h = await startHarness({
    ai: { base_url: server.baseUrl, model: 'scripted', approval_timeout_s: 30 },
    lists: { auto_allow: ['printf*'], require_approval: ['touch*'], deny: ['mkdir*'] },
  });
  server.setResponder(() => ({ text: 'ok' }));
});
afterEach(async () => {
  await h.close();
  await server.close();
});

function nextApproval(): Promise<EventPayload<'chat.approvalRequest'>> {
  return new Promise((resolve) => {
    const off = h.core.events.on('chat.approvalRequest', (p) => {
      off();
      resolve(p);
    });
  });
}

describe('what a UI that loads in the middle of a turn can learn', () => {
  it('chat.state lists the approvals still waiting, with the time they have left, and drops them once answered', async () => {
    const canary = path.join(h.dir, 'canary');
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'x' } }] });
    const asked = nextApproval();
    const { turnId } = (await h.call('chat.send', { text: 'make it' })) as { turnId: string };
    const request = await asked;
    const start = named(h.events, 'chat.commandStart').at(-1)!;
    expect(request.callId).toBe(start.callId);
    // Each fact once: no reason repeats inside another.
    expect(request.reasons.length).toBeGreaterThan(0);
    expect(request.reasons.filter((r, i) => request.reasons.some((o, j) => i !== j && o.includes(r)))).toEqual([]);

    const state = (await h.call('chat.state', {})) as { busy: boolean; approvals: Array<EventPayload<'chat.approvalRequest'>> };
    expect(state.busy).toBe(true);
    expect(state.approvals).toHaveLength(1);
    expect(state.approvals[0]).toMatchObject({ requestId: request.requestId, callId: request.callId, turnId, command: `touch ${canary}` });
    expect(state.approvals[0]!.timeoutMs).toBeLessThanOrEqual(30_000);
    expect(state.approvals[0]!.timeoutMs).toBeGreaterThan(0);

    const done = new Promise((r) => h.core.events.on('chat.turnDone', r));
    await h.call('chat.approve', { requestId: request.requestId, approved: true });
    await done;
    expect(fs.existsSync(canary)).toBe(true);
    expect(((await h.call('chat.state', {})) as { approvals: unknown[] }).approvals).toEqual([]);
    // The same id cannot be used twice.
    await expect(h.call('chat.approve', { requestId: request.requestId, approved: true })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('command events carry what a card needs', () => {
  it('chat.commandRunning comes after the approval and before any output; never for a refused command', async () => {
    server.push({
      toolCalls: [{ name: 'run_command', arguments: { command: `touch ${path.join(h.dir, 'c1')} && printf hi`, reason: 'x' } }],
    });
    h.autoAnswer(true);
    const t = await h.turn('go');
    const order = t.events.map((e) => e.name).filter((n) => n.startsWith('chat.command') || n === 'chat.approvalRequest');
    expect(order.slice(0, 4)).toEqual(['chat.commandStart', 'chat.approvalRequest', 'chat.commandRunning', 'chat.commandOutput']);
    expect(named(t.events, 'chat.commandDone')[0]).toMatchObject({ ran: true, refusal: null, refusalKind: null });

    const denied = (await h.call('chat.run', { command: 'mkdir /tmp/nope-aios' })) as { ran: boolean };
    expect(denied.ran).toBe(false);
    const lastDone = named(h.events, 'chat.commandDone').at(-1)!;
    expect(lastDone).toMatchObject({ ran: false, refusalKind: 'denied' });
    expect(named(h.events, 'chat.commandRunning').some((e) => e.callId === lastDone.callId)).toBe(false);
  });

  it('says declined, cancelled or timeout as a code, whatever the words', async () => {
    h.autoAnswer(false);
    await h.call('chat.run', { command: `touch ${path.join(h.dir, 'c2')}` });
    expect(named(h.events, 'chat.commandDone').at(-1)).toMatchObject({ ran: false, refusalKind: 'declined', cancelled: false });

    h.autoAnswer(undefined);
    const asked = nextApproval();
    const run = h.call('chat.run', { command: `touch ${path.join(h.dir, 'c3')}` });
    await asked;
    await h.call('chat.cancel', {});
    await run;
    expect(named(h.events, 'chat.commandDone').at(-1)).toMatchObject({ ran: false, refusalKind: 'cancelled', cancelled: true });
    expect(fs.existsSync(path.join(h.dir, 'c3'))).toBe(false);
  });
});
