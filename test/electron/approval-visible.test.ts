import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/core/gate';
import { approvalBoxOptions } from '../../src/hosts/electron/approval-dialog';
import { hasHiddenCharacters } from '../../src/shared/visible-text';

/** The native box shows text, but a bidi override or a control character would still reorder or hide what it says. */
const base: ApprovalRequest = {
  requestId: '01HCMD',
  callId: 'call-1',
  turnId: 't1',
  command: 'echo \u202Egnp.exe; printf "\x1b[2Jok\r"',
  why: 'it is \u2066harmless\u2069\x07',
  cwd: '/home/ai/\x1b[8mhidden',
  decision: 'require_approval',
  rule: null,
  reasons: [],
  timeoutMs: 60_000,
};

describe('the native approval box shows controls and bidi characters visibly', () => {
  it('for a command, its reason and its folder', () => {
    const o = approvalBoxOptions(base, new AbortController().signal);
    expect(o.detail).toContain('echo \\u{202e}gnp.exe; printf "^[[2Jok^M"');
    expect(o.detail).toContain('it is \\u{2066}harmless\\u{2069}^G');
    expect(o.detail).toContain('Directory: /home/ai/^[[8mhidden');
    expect(hasHiddenCharacters(o.detail ?? '')).toBe(false);
  });

  it('for a tool call, its server, name and arguments', () => {
    const o = approvalBoxOptions(
      { ...base, tool: { server: 'fs\u202E', tool: 'write\x1b[1A', arguments: '{"a":"\u200Bx"}' } },
      new AbortController().signal,
    );
    expect(o.message).toContain('write^[[1A of the server fs\\u{202e}');
    expect(o.detail).toContain('{"a":"\\u{200b}x"}');
    expect(hasHiddenCharacters(`${o.message}${o.detail}`)).toBe(false);
  });
});
