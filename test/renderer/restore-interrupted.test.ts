import { describe, expect, it } from 'vitest';
import { INTERRUPTED, interruptedCards, restoreRows } from '../../src/renderer/src/chat/restore';
import { newCard } from '../../src/renderer/src/chat/format';

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

describe('cards running on the page when the server went away', () => {
  it('are kept, interrupted, when the stored conversation does not know them', () => {
    const running = { ...newCard('r1', 'call-live', 't1', 'sleep 30'), state: 'running' as const };
    const done = { ...newCard('r2', 'call-done', 't1', 'true'), state: 'done' as const };
    const storedAlready = { ...newCard('r3', 'call-stored', 't1', 'make'), state: 'running' as const };
    const restored = [{ ...newCard('h1', 'call-stored', null, 'make'), state: 'done' as const }];
    const kept = interruptedCards([running, done, storedAlready], restored);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ callId: 'call-live', state: 'cancelled', refusal: INTERRUPTED });
  });
});
