import { afterEach, describe, expect, it } from 'vitest';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { named, startHarness, type Harness, type Lists } from '../agent/harness';

/** aios's own tools through the bridge: the same gate, events, approvals and history rows as commands. */

let server: LlmServer;
let h: Harness;

async function start(lists: Lists): Promise<void> {
  server = await startLlmServer();
  h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted', approval_timeout_s: 5, request_timeout_s: 5 }, lists });
  server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));
}
afterEach(async () => {
  await h.close();
  await server.close();
});

const remember = (content: string) => ({ toolCalls: [{ name: 'create_ai_memory', arguments: { content } }] });

describe('built-in tools through the gate', () => {
  it('the shipped rules: a new memory runs with a notice; its event names the server, tool and decision; history has a row', async () => {
    await start({});
    server.push(remember('likes green tea'));
    const t = await h.turn('remember');
    const call = named(t.events, 'chat.toolCall')[0];
    expect(call).toMatchObject({
      name: 'create_ai_memory',
      decision: 'notify',
      rule: 'notify: "mcp__aios__create_ai_memory"',
      tool: { server: 'aios', tool: 'create_ai_memory' },
    });
    expect(call?.tool?.arguments).toBe('{\n  "content": "likes green tea"\n}');
    expect(named(t.events, 'chat.notice').some((n) => /calling \(notify/.test(n.message))).toBe(true);
    expect(named(t.events, 'chat.toolDone')[0]).toMatchObject({ ran: true, decision: 'notify', refusal: null });
    expect(h.core.chat.open().memory!.search('green tea')).toHaveLength(1);
    expect(h.core.chat.open().commandLog!.query({ text: 'mcp__aios__create_ai_memory' })[0]).toMatchObject({
      decision: 'notify',
      approver: 'notify',
      matchedRule: 'notify: "mcp__aios__create_ai_memory"',
    });
  });

  it('a tool a person requires approval for asks with server, tool and arguments; a No runs nothing and is a history row', async () => {
    await start({ require_approval: ['mcp__aios__create_*'] });
    h.autoAnswer(false);
    server.push(remember('secret plan'));
    const t = await h.turn('remember');
    const req = named(t.events, 'chat.approvalRequest')[0];
    expect(req).toMatchObject({ decision: 'require_approval', tool: { server: 'aios', tool: 'create_ai_memory' } });
    expect(req?.command).toBe('mcp__aios__create_ai_memory {"content":"secret plan"}');
    expect(named(t.events, 'chat.toolDone')[0]).toMatchObject({ ran: false, refusalKind: 'declined' });
    expect(h.core.chat.open().memory!.search('secret plan')).toHaveLength(0);
    expect(lastMessage(server.requests[1]!.body, 'tool')).toContain('"ran":false');
    expect(h.core.chat.open().commandLog!.query({ text: 'secret plan' })[0]).toMatchObject({ decision: 'declined', approver: null });
  });

  it('a call whose arguments are not JSON runs nothing and is still a history row', async () => {
    await start({});
    server.push({ toolCalls: [{ name: 'create_ai_memory', arguments: '{"content": "half' }] });
    const t = await h.turn('remember');
    expect(named(t.events, 'chat.toolDone')).toHaveLength(0);
    expect(lastMessage(server.requests[1]!.body, 'tool')).toMatch(/not valid JSON/);
    expect(h.core.chat.open().commandLog!.query({ text: 'create_ai_memory' })[0]).toMatchObject({ decision: 'refused' });
  });

  it('a denied tool never runs and never asks', async () => {
    await start({ deny: ['mcp__aios__create_ai_memory'] });
    server.push(remember('nope'));
    const t = await h.turn('remember');
    expect(named(t.events, 'chat.approvalRequest')).toHaveLength(0);
    expect(named(t.events, 'chat.toolDone')[0]).toMatchObject({ ran: false, refusalKind: 'denied', decision: 'deny' });
    expect(h.core.chat.open().memory!.search('nope')).toHaveLength(0);
    expect(h.core.chat.open().commandLog!.query({ text: 'nope' })[0]).toMatchObject({ decision: 'deny' });
  });
});
