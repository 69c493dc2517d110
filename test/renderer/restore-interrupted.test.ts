import { describe, expect, it } from 'vitest';
import { INTERRUPTED, restoreRows } from '../../src/renderer/src/chat/restore';

const items = [
  { role: 'user' as const, text: 'build it' },
  { role: 'assistant' as const, text: '', toolCalls: [{ id: 'c1', name: 'run_command', arguments: JSON.stringify({ command: 'make' }) }] },
];

describe('a command card without a stored result', () => {
  it('says it was interrupted when the server is not running anything (it restarted)', () => {
    const card = restoreRows(items).find((r) => r.kind === 'command');
    expect(card).toMatchObject({ command: 'make', state: 'cancelled', refusal: INTERRUPTED });
  });

  it('does not claim an interruption while the core is still busy with it', () => {
    const card = restoreRows(items, 'h', true).find((r) => r.kind === 'command');
    expect(card).toMatchObject({ command: 'make', refusal: null });
  });
});
