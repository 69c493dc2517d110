import { describe, expect, it } from 'vitest';
import { commandResultForModel } from '../../src/core/gate/model-text';
import { restoreRows, UNRECORDED } from '../../src/renderer/src/chat/restore';
import type { ConversationItem, CommandRecord } from '../../src/shared/contract';

// A tool result as the core really writes it: the card must not be rebuilt from it.
const ranOk = commandResultForModel({
  command: 'ls /',
  decision: 'auto_allow',
  rule: 'auto_allow: "ls*"',
  reasons: [],
  ran: true,
  refusal: null,
  result: {
    exitCode: 0,
    signal: null,
    timedOut: false,
    cancelled: false,
    output: 'bin\netc\n',
    fullOutput: 'bin\netc\n',
    durationMs: 5,
    startedAt: '',
    endedAt: '',
  } as never,
});

/** A record as the core keeps it (aios_command_history), for a command that ran or was refused. */
function record(
  callId: string,
  command: string,
  decision: CommandRecord['done']['decision'],
  done: Partial<CommandRecord['done']>,
  output = '',
): CommandRecord {
  const rule = `${decision}: "${command}"`;
  return {
    callId,
    start: { turnId: 't1', command, cwd: '/', decision, rule, reasons: [], callId },
    output: output ? [{ stream: 'stdout', data: output }] : [],
    omittedChars: 0,
    done: {
      callId,
      command,
      decision,
      ran: true,
      refusal: null,
      refusalKind: null,
      exitCode: 0,
      signal: null,
      durationMs: 5,
      timedOut: false,
      cancelled: false,
      ...done,
    },
  };
}

const call = (id: string, command: string) => ({ id, name: 'run_command', arguments: JSON.stringify({ command, reason: 'r' }) });

describe('restoring a conversation', () => {
  it("rebuilds messages and one card per run_command from the core's records", () => {
    const items: ConversationItem[] = [
      { role: 'user', text: 'what is in /?' },
      {
        role: 'assistant',
        text: '',
        toolCalls: [call('a', 'ls /'), call('b', 'rm -rf /'), { id: 'c', name: 'search_memories', arguments: '{"query":"x"}' }],
      },
      { role: 'tool', text: "the model's copy", toolName: 'run_command' },
      { role: 'tool', text: "the model's copy", toolName: 'run_command' },
      { role: 'tool', text: '{"success":true}', toolName: 'search_memories' },
      { role: 'assistant', text: 'Here: **bin** and etc.' },
      { role: 'user', text: 'touch x' },
      { role: 'assistant', text: 'Trying.', toolCalls: [call('d', 'touch x'), call('e', 'sleep 9')] },
      { role: 'tool', text: "the model's copy", toolName: 'run_command' },
      { role: 'tool', text: "the model's copy", toolName: 'run_command' },
    ];
    const records = [
      record('a', 'ls /', 'auto_allow', {}, 'bin\netc\n'),
      record('b', 'rm -rf /', 'deny', { ran: false, refusal: 'denied by the permission policy', refusalKind: 'denied', exitCode: null }),
      record('d', 'touch x', 'require_approval', {
        ran: false,
        refusal: 'declined by the person',
        refusalKind: 'declined',
        exitCode: null,
        decidedBy: 'you',
      }),
      record('e', 'sleep 9', 'auto_allow', { exitCode: null, signal: 'SIGTERM', cancelled: true }),
    ];
    const rows = restoreRows(items, 'h', false, records);
    expect(
      rows.map((r) =>
        r.kind === 'message' ? `${r.role}` : r.kind === 'command' ? `$ ${r.command}` : r.kind === 'tool' ? `→ ${r.name}` : 'reasoning',
      ),
    ).toEqual(['user', '$ ls /', '$ rm -rf /', '→ search_memories', 'assistant', 'user', 'assistant', '$ touch x', '$ sleep 9']);
    const [ls, rm, touch, sleep] = rows.filter((r) => r.kind === 'command');
    expect(ls).toMatchObject({
      state: 'done',
      decision: 'auto_allow',
      rule: 'auto_allow: "ls /"',
      durationMs: 5,
      exitCode: 0,
      output: [{ stream: 'stdout', data: 'bin\netc\n' }],
      callId: 'a',
    });
    expect(rm).toMatchObject({ state: 'refused', decision: 'deny', rule: 'deny: "rm -rf /"' });
    expect(touch).toMatchObject({ state: 'refused', decidedBy: 'you' });
    expect(sleep).toMatchObject({ state: 'cancelled', signal: 'SIGTERM' });
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it("does not rebuild a card from the model's copy of the result when the record is missing", () => {
    const items: ConversationItem[] = [
      { role: 'assistant', text: '', toolCalls: [call('a', 'ls /')] },
      { role: 'tool', text: ranOk, toolName: 'run_command' },
    ];
    const [card] = restoreRows(items);
    expect(card).toMatchObject({
      kind: 'command',
      command: 'ls /',
      why: 'r',
      state: 'done',
      refusal: UNRECORDED,
      exitCode: null,
      output: [],
    });
  });

  it('a call without a stored result (the app stopped mid-command) is shown as cancelled', () => {
    const rows = restoreRows([{ role: 'assistant', text: '', toolCalls: [call('a', 'make')] }]);
    expect(rows).toEqual([expect.objectContaining({ kind: 'command', command: 'make', state: 'cancelled' })]);
  });
});
