import { describe, expect, it } from 'vitest';
import * as R from '../../src/renderer/src/chat/reducer';
import { emptyChat, type ToolRow } from '../../src/renderer/src/chat/types';

/** Tool calls other than run_command: their rows carry server, tool, arguments and decision, and settle with chat.toolDone. */

const tool = { server: 'fs', tool: 'write_file', arguments: '{\n  "path": "/w/a"\n}' };
const rows = (s: typeof emptyChat) => s.rows.filter((r): r is ToolRow => r.kind === 'tool');

describe('tool rows', () => {
  it('a judged call waits, then is done; its approval goes away', () => {
    let s = R.toolCall(emptyChat, {
      turnId: 'T1',
      callId: 'c1',
      name: 'fs__write_file',
      arguments: '{"path":"/w/a"}',
      decision: 'require_approval',
      rule: null,
      reasons: ['no rule'],
      tool,
    });
    expect(rows(s)[0]).toMatchObject({ callId: 'c1', tool, decision: 'require_approval', state: 'pending', rule: null });
    s = R.approvalRequest(
      s,
      {
        requestId: 'r1',
        callId: 'c1',
        turnId: 'T1',
        command: 'mcp__fs__write_file {}',
        cwd: '/w',
        decision: 'require_approval',
        rule: null,
        reasons: [],
        timeoutMs: 1000,
        tool,
      },
      0,
    );
    expect(s.approvals).toHaveLength(1);
    s = R.toolDone(s, { callId: 'c1', name: 'fs__write_file', decision: 'require_approval', ran: true, refusal: null, refusalKind: null });
    expect(rows(s)[0]).toMatchObject({ state: 'done' });
    expect(s.approvals).toHaveLength(0);
  });

  it('a refused call says why; a deny is refused at once', () => {
    let s = R.toolCall(emptyChat, {
      turnId: 'T1',
      callId: 'c2',
      name: 'fs__move_file',
      arguments: '{}',
      decision: 'deny',
      rule: 'deny: "mcp__fs__move_file"',
      reasons: [],
      tool: { ...tool, tool: 'move_file' },
    });
    expect(rows(s)[0]).toMatchObject({ state: 'refused' });
    s = R.toolDone(s, {
      callId: 'c2',
      name: 'fs__move_file',
      decision: 'deny',
      ran: false,
      refusal: 'denied by the permission policy',
      refusalKind: 'denied',
    });
    expect(rows(s)[0]).toMatchObject({ state: 'refused', refusal: 'denied by the permission policy' });
  });

  it('an unjudged call (malformed arguments) stays a plain line', () => {
    const s = R.toolCall(emptyChat, { turnId: 'T1', callId: 'c3', name: 'x__y', arguments: '{' });
    expect(rows(s)[0]).not.toHaveProperty('decision');
    expect(rows(s)[0]).not.toHaveProperty('tool');
  });
});
