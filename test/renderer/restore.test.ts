import { describe, expect, it } from 'vitest';
import { commandResultForModel } from '../../src/main/core/gate/model-text';
import { restoreRows } from '../../src/renderer/src/chat/restore';
import type { ConversationItem } from '../../src/shared/contract';

// Tool results as the core really writes them, so a change of format there breaks this test.
const ranOk = commandResultForModel({
  command: 'ls /',
  decision: 'auto_allow',
  rule: 'auto_allow: "ls*"',
  reasons: [],
  ran: true,
  refusal: null,
  result: { exitCode: 0, signal: null, timedOut: false, cancelled: false, output: 'bin\netc\n', fullOutput: 'bin\netc\n', durationMs: 5, startedAt: '', endedAt: '' } as never,
});
const denied = commandResultForModel({ command: 'rm -rf /', decision: 'deny', rule: 'deny: "rm -rf /"', reasons: ['rm writes to /'], ran: false, refusal: 'denied by the permission policy' });
const declined = commandResultForModel({ command: 'touch x', decision: 'require_approval', rule: null, reasons: [], ran: false, refusal: 'declined by the person' });
const killed = commandResultForModel({
  command: 'sleep 9',
  decision: 'auto_allow',
  rule: null,
  reasons: [],
  ran: true,
  refusal: null,
  result: { exitCode: null, signal: 'SIGTERM', timedOut: false, cancelled: true, output: '', fullOutput: '', durationMs: 100, startedAt: '', endedAt: '' } as never,
});

const call = (id: string, command: string) => ({ id, name: 'run_command', arguments: JSON.stringify({ command, reason: 'r' }) });

describe('restoring a conversation', () => {
  it('rebuilds messages and one card per run_command with its stored result', () => {
    const items: ConversationItem[] = [
      { role: 'user', text: 'what is in /?' },
      { role: 'assistant', text: '', toolCalls: [call('a', 'ls /'), call('b', 'rm -rf /'), { id: 'c', name: 'search_memories', arguments: '{"query":"x"}' }] },
      { role: 'tool', text: ranOk, toolName: 'run_command' },
      { role: 'tool', text: denied, toolName: 'run_command' },
      { role: 'tool', text: '{"success":true}', toolName: 'search_memories' },
      { role: 'assistant', text: 'Here: **bin** and etc.' },
      { role: 'user', text: 'touch x' },
      { role: 'assistant', text: 'Trying.', toolCalls: [call('d', 'touch x'), call('e', 'sleep 9')] },
      { role: 'tool', text: declined, toolName: 'run_command' },
      { role: 'tool', text: killed, toolName: 'run_command' },
    ];
    const rows = restoreRows(items);
    expect(rows.map((r) => (r.kind === 'message' ? `${r.role}` : r.kind === 'command' ? `$ ${r.command}` : r.kind === 'tool' ? `→ ${r.name}` : 'reasoning'))).toEqual([
      'user',
      '$ ls /',
      '$ rm -rf /',
      '→ search_memories',
      'assistant',
      'user',
      'assistant',
      '$ touch x',
      '$ sleep 9',
    ]);
    const [ls, rm, touch, sleep] = rows.filter((r) => r.kind === 'command');
    expect(ls).toMatchObject({ state: 'done', decision: 'auto_allow', rule: 'auto_allow: "ls*"', durationMs: 5, exitCode: 0, output: [{ stream: 'stdout', data: 'bin\netc\n' }], restored: true, callId: 'a' });
    expect(rm).toMatchObject({ state: 'refused', decision: 'deny', rule: 'deny: "rm -rf /"', refusal: 'denied by policy: deny: "rm -rf /"' });
    expect(touch).toMatchObject({ state: 'refused', refusal: 'declined by the person' });
    expect(sleep).toMatchObject({ state: 'cancelled', signal: 'SIGTERM' });
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('a call without a stored result (the app stopped mid-command) is shown as cancelled', () => {
    const rows = restoreRows([{ role: 'assistant', text: '', toolCalls: [call('a', 'make')] }]);
    expect(rows).toEqual([expect.objectContaining({ kind: 'command', command: 'make', state: 'cancelled' })]);
  });
});
