import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/core/gate';
import { approvalBoxOptions, DENY_BUTTON, DIALOG_ARGUMENT_LINES } from '../../src/hosts/electron/approval-dialog';

/** The native dialog for an MCP tool call: server, tool and the arguments, cut to what a box can show. */

const request = (args: string): ApprovalRequest => ({
  requestId: '01HTOOL',
  callId: 'call-1',
  turnId: 't1',
  command: 'mcp__fs__write_file {"path":"/home/ai/.bashrc"}',
  cwd: '/home/ai',
  decision: 'require_approval',
  rule: null,
  reasons: ['argument path names /home/ai/.bashrc, a protected path'],
  timeoutMs: 60_000,
  tool: { server: 'fs', tool: 'write_file', arguments: args },
});

describe('the native approval box for a tool call', () => {
  it('names server and tool, shows the arguments and why, with Deny the default', () => {
    const o = approvalBoxOptions(request('{\n  "path": "/home/ai/.bashrc"\n}'), new AbortController().signal);
    expect(o.title).toBe('aios: approve tool call');
    expect(o.message).toContain('write_file of the server fs');
    expect(o.detail).toContain('Server: fs\nTool: write_file\nArguments:\n{\n  "path": "/home/ai/.bashrc"\n}');
    expect(o.detail).toMatch(/Details:\n {2}rule: none matched/);
    expect(o.detail).toContain('a protected path');
    expect(o.buttons).toEqual(['Deny', 'Allow']);
    expect(o.defaultId).toBe(DENY_BUTTON);
    expect(o.cancelId).toBe(DENY_BUTTON);
  });

  it('cuts long arguments and says how much is not shown', () => {
    const long = Array.from({ length: 100 }, (_, i) => `  "k${i}": ${i},`).join('\n');
    const o = approvalBoxOptions(request(long), new AbortController().signal);
    expect(o.detail).toContain('"k0": 0');
    expect(o.detail).not.toContain(`"k${DIALOG_ARGUMENT_LINES}":`);
    expect(o.detail).toMatch(/… \(\d+ more characters not shown\)/);
  });
});
