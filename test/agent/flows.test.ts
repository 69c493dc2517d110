import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastMessage, startLlmServer, type LlmServer } from '../support/llm-server';
import { named, startHarness, type Harness } from './harness';
import { isAlive } from '../support/process';

let server: LlmServer;
let h: Harness;

const lists = {
  auto_allow: ['sh -c*', 'printf*'],
  notify: ['echo*'],
  require_approval: ['touch*'],
  deny: ['rm -rf /*', 'mkdir*'],
};

beforeEach(async () => {
  server = await startLlmServer();
  h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted', approval_timeout_s: 5, request_timeout_s: 5 }, lists });
});
afterEach(async () => {
  await h.close();
  await server.close();
});

const echoTool = () => server.setResponder((body) => ({ text: `Result: ${lastMessage(body, 'tool')}` }));

describe('the agent loop through the core', () => {
  it('(1) a notify command runs, the person sees a notice, and the answer carries its result', async () => {
    server.push({
      text: 'Let me check. ',
      toolCalls: [{ name: 'run_command', arguments: { command: 'echo hello-from-notify', reason: 'greet' } }],
    });
    echoTool();
    const t = await h.turn('say hello');
    expect(t.status).toBe('done');
    // One event per fact: the command and its decision come with chat.commandStart only.
    expect(named(t.events, 'chat.toolCall')).toEqual([]);
    expect(named(t.events, 'chat.commandStart')).toHaveLength(1);
    expect(named(t.events, 'chat.commandStart')[0]).toMatchObject({
      command: 'echo hello-from-notify',
      decision: 'notify',
      rule: 'notify: "echo*"',
    });
    expect(named(t.events, 'chat.notice').some((n) => n.message.includes('notify') && n.message.includes('echo hello-from-notify'))).toBe(
      true,
    );
    expect(named(t.events, 'chat.commandStart')[0]).toMatchObject({
      command: 'echo hello-from-notify',
      decision: 'notify',
      cwd: path.join(h.dir, 'work'),
    });
    const order = t.events.map((e) => e.name);
    expect(order.indexOf('chat.commandStart')).toBeLessThan(order.indexOf('chat.commandOutput'));
    expect(
      named(t.events, 'chat.commandOutput')
        .map((o) => o.data)
        .join(''),
    ).toContain('hello-from-notify');
    expect(named(t.events, 'chat.commandDone')[0]).toMatchObject({ ran: true, exitCode: 0, decision: 'notify' });
    expect(t.text).toContain('hello-from-notify');
    // The model was given the tools and, in round two, the output.
    expect(server.requests[0]!.body.tools!.map((x) => x.function.name)).toEqual(
      expect.arrayContaining(['run_command', 'create_ai_memory', 'recall_history']),
    );
    expect(server.requests[0]!.body.stream).toBe(true);
    expect(lastMessage(server.requests[1]!.body, 'tool')).toContain('hello-from-notify');
    const rows = h.core.chat.open().commandLog!.query({ text: 'hello-from-notify' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ decision: 'notify', approver: 'notify', exitCode: 0, matchedRule: 'notify: "echo*"' });
  });

  it('(2) a declined require_approval command never runs and the model is told', async () => {
    const canary = path.join(h.dir, 'canary');
    h.autoAnswer(false);
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${canary}`, reason: 'make a file' } }] });
    echoTool();
    const t = await h.turn('make the canary');
    expect(t.status).toBe('done');
    const req = named(t.events, 'chat.approvalRequest')[0];
    expect(req).toMatchObject({
      command: `touch ${canary}`,
      cwd: path.join(h.dir, 'work'),
      decision: 'require_approval',
      rule: 'require_approval: "touch*"',
    });
    expect(fs.existsSync(canary)).toBe(false);
    const told = JSON.parse(lastMessage(server.requests[1]!.body, 'tool')) as Record<string, unknown>;
    expect(told).toMatchObject({ ran: false, decision: 'require_approval', refused: 'declined by the person' });
    expect(named(t.events, 'chat.commandDone')[0]).toMatchObject({ ran: false, refusal: 'declined by the person' });
    expect(h.core.chat.open().commandLog!.query({ text: 'canary' })[0]).toMatchObject({
      decision: 'declined',
      exitCode: null,
      approver: null,
    });
    // The id was single-use: answering again is refused.
    await expect(h.call('chat.approve', { requestId: req!.requestId, approved: true })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('(2b) an approved command runs; no answer within approval_timeout_s means no', async () => {
    const approved = path.join(h.dir, 'approved');
    h.autoAnswer(true);
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${approved}`, reason: 'x' } }] }, { text: 'done' });
    await h.turn('make it');
    expect(fs.existsSync(approved)).toBe(true);
    expect(h.core.chat.open().commandLog!.query({ text: 'approved' })[0]).toMatchObject({ approver: 'user', exitCode: 0 });

    await h.restart();
    h.autoAnswer(undefined);
    // approval_timeout_s is 5 here; a fresh harness with 1 s checks the timeout quickly.
    await h.close();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted', approval_timeout_s: 0.3 }, lists });
    const late = path.join(h.dir, 'late');
    server.push({ toolCalls: [{ name: 'run_command', arguments: { command: `touch ${late}`, reason: 'x' } }] });
    echoTool();
    const t = await h.turn('make late');
    expect(fs.existsSync(late)).toBe(false);
    expect(named(t.events, 'chat.notice').some((n) => /no answer within/.test(n.message))).toBe(true);
    expect(lastMessage(server.requests.at(-1)!.body, 'tool')).toContain('no approval within the approval timeout');
  });

  it('(3) deny never runs, even when the model insists, and no approval is asked', async () => {
    const made = path.join(h.dir, 'made');
    const insist = { toolCalls: [{ name: 'run_command', arguments: { command: `mkdir ${made}`, reason: 'insist' } }] };
    server.push(insist, insist, insist, { text: 'I cannot do that: the policy forbids mkdir.' });
    const t = await h.turn('make a directory');
    expect(t.status).toBe('done');
    expect(fs.existsSync(made)).toBe(false);
    expect(named(t.events, 'chat.approvalRequest')).toHaveLength(0);
    expect(named(t.events, 'chat.commandDone').every((d) => !d.ran && d.decision === 'deny')).toBe(true);
    for (const r of server.requests.slice(1)) {
      expect(JSON.parse(lastMessage(r.body, 'tool'))).toMatchObject({ ran: false, decision: 'deny', rule: 'deny: "mkdir*"' });
    }
    expect(h.core.chat.open().commandLog!.query({ decision: 'deny' })).toHaveLength(3);
  });

  it('(4) "what did I install yesterday?" is answered from history via recall_history', async () => {
    const history = h.core.chat.open().commandLog!;
    const y = new Date();
    y.setDate(y.getDate() - 1);
    y.setHours(12, 0, 0, 0);
    history.record({ command: 'pacman -S ripgrep', decision: 'notify', approver: 'notify', exitCode: 0, startedAt: y, endedAt: y });
    const old = new Date(y.getTime() - 5 * 86_400_000);
    history.record({ command: 'pacman -S oldthing', decision: 'notify', approver: 'notify', exitCode: 0, startedAt: old, endedAt: old });
    server.push({ toolCalls: [{ name: 'recall_history', arguments: { range: 'yesterday', query: 'pacman -S' } }] });
    echoTool();
    const t = await h.turn('What did I install yesterday?');
    expect(named(t.events, 'chat.toolCall')[0]).toMatchObject({ name: 'recall_history' });
    const result = lastMessage(server.requests[1]!.body, 'tool');
    expect(result).toContain('ripgrep');
    expect(result).not.toContain('oldthing');
    expect(t.text).toContain('ripgrep');
  });

  it('(5) cancel during a long command kills its process group and the session goes on', async () => {
    const pidFile = path.join(h.dir, 'pid');
    // The host's pid from /proc/self/stat: the command has a PID namespace of its own (its $$ is not the host's).
    // A rule asks (touch*), so it runs approved, not confined as an unknown command would; approve it.
    h.autoAnswer(true);
    server.push({
      toolCalls: [
        {
          name: 'run_command',
          arguments: {
            command: `touch ${pidFile}.asked; sh -c 'read -r me _ < /proc/self/stat; echo $me > ${pidFile}; sleep 30' & wait`,
            reason: 'long',
          },
        },
      ],
    });
    const { turnId } = (await h.call('chat.send', { text: 'run something long' })) as { turnId: string };
    const end = Date.now() + 10_000;
    while (!(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim())) {
      if (Date.now() > end) throw new Error('command did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(isAlive(pid)).toBe(true);
    const done = new Promise((resolve) => h.core.events.on('chat.turnDone', (p) => p.turnId === turnId && resolve(p.status)));
    expect(await h.call('chat.cancel', {})).toEqual({ cancelled: true });
    expect(await done).toBe('cancelled');
    const gone = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
    expect(isAlive(pid)).toBe(false);
    server.push({ text: 'still here' });
    const next = await h.turn('are you there?');
    expect(next).toMatchObject({ status: 'done', text: 'still here' });
    // The cancelled round was stored whole: the tool call has its result.
    const msgs = server.requests.at(-1)!.body.messages;
    const callMsg = msgs.find((m) => m.tool_calls?.length);
    expect(msgs.some((m) => m.role === 'tool' && m.tool_call_id === callMsg?.tool_calls?.[0]?.id)).toBe(true);
  });

  it('(7) a restart restores the conversation, for the UI and for the model', async () => {
    server.push({ text: 'Nice to meet you, Ada.' });
    await h.turn('My name is Ada. 日本語も話します。');
    await h.restart();
    const state = (await h.call('chat.state', {})) as { messages: Array<{ role: string; text: string }>; provider: string };
    expect(state.messages).toEqual([
      { role: 'user', text: 'My name is Ada. 日本語も話します。' },
      { role: 'assistant', text: 'Nice to meet you, Ada.' },
    ]);
    expect(state.provider).toContain('scripted');
    server.push({ text: 'Ada.' });
    await h.turn('What is my name?');
    const sent = server.requests.at(-1)!.body.messages.map((m) => m.content);
    expect(sent).toContain('My name is Ada. 日本語も話します。');
    expect(sent).toContain('Nice to meet you, Ada.');
    // /clear starts afresh.
    await h.call('chat.clear', {});
    expect(((await h.call('chat.state', {})) as { messages: unknown[] }).messages).toEqual([]);
  });

  it('the system prompt carries the facts and the most relevant memories', async () => {
    h.core.chat.open().memory!.create('The person prefers fish shell over bash');
    h.core.chat.open().memory!.create('Unrelated: the cat is called Tama');
    server.push({ text: 'ok' });
    await h.turn('which shell do I prefer?');
    const sys = server.requests[0]!.body.messages[0]!;
    expect(sys.role).toBe('system');
    expect(sys.content).toContain('User: tester');
    expect(sys.content).toContain(`Working directory: ${path.join(h.dir, 'work')}`);
    expect(sys.content).toMatch(/Permission policy: .*mkdir/);
    expect(sys.content).toContain('fish shell');
    // Only what matches the question: the unrelated memory stays out of the prompt.
    expect(sys.content).not.toContain('Tama');
    const listed = /Relevant memories:\n((?:- .*(?:\n|$))*)/
      .exec(sys.content ?? '')?.[1]
      ?.trim()
      .split('\n');
    expect(listed).toEqual(['- The person prefers fish shell over bash']);
  });

  it('the model can save a memory with create_ai_memory', async () => {
    server.push(
      { toolCalls: [{ name: 'create_ai_memory', arguments: { content: 'Likes green tea', priority_score: 0.7 } }] },
      { text: 'Saved.' },
    );
    await h.turn('remember that I like green tea');
    expect(
      h.core.chat
        .open()
        .memory!.search('green tea')
        .map((x) => x.memory.content),
    ).toContain('Likes green tea');
  });

  it('a direct command (!cmd) goes through the same policy and history', async () => {
    const made = path.join(h.dir, 'direct');
    const denied = await h.call('chat.run', { command: `mkdir ${made}` });
    expect(denied).toMatchObject({ ran: false, decision: 'deny' });
    expect(fs.existsSync(made)).toBe(false);
    const ran = await h.call('chat.run', { command: 'printf direct-ok' });
    expect(ran).toMatchObject({ ran: true, decision: 'auto_allow', exitCode: 0, output: 'direct-ok' });
    expect(
      h.core.chat
        .open()
        .commandLog!.query({})
        .map((r) => r.command),
    ).toEqual(expect.arrayContaining([`mkdir ${made}`, 'printf direct-ok']));
  });

  it('one turn at a time; max_tool_rounds ends a runaway turn', async () => {
    await h.close();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted', max_tool_rounds: 2 }, lists });
    server.setResponder(() => ({ toolCalls: [{ name: 'run_command', arguments: { command: 'printf again', reason: 'loop' } }] }));
    const { turnId } = (await h.call('chat.send', { text: 'loop' })) as { turnId: string };
    await expect(h.call('chat.send', { text: 'second' })).rejects.toMatchObject({ code: 'unavailable' });
    await new Promise((resolve) => h.core.events.on('chat.turnDone', (p) => p.turnId === turnId && resolve(p)));
    expect(server.requests).toHaveLength(2);
    expect(named(h.events, 'chat.turnDone').at(-1)).toMatchObject({ status: 'max_rounds' });
  });
});
