import { describe, expect, it } from 'vitest';
import { applyOps } from '../../src/renderer/src/chat/batch';
import * as R from '../../src/renderer/src/chat/reducer';
import { emptyChat, type ReasoningRow } from '../../src/renderer/src/chat/types';

describe('reasoning rows', () => {
  it('reasoning streams into one row apart from the answer, and closes when the answer starts', () => {
    let s = R.sendStart(emptyChat, 'hi', 0);
    s = applyOps(s, [
      { kind: 'reasoning', turnId: 'T', text: 'the person ' },
      { kind: 'reasoning', turnId: 'T', text: 'says hi' },
    ]);
    const open = s.rows.at(-1) as ReasoningRow;
    expect(open).toMatchObject({ kind: 'reasoning', text: 'the person says hi', streaming: true });
    s = applyOps(s, [{ kind: 'delta', turnId: 'T', text: 'Hello!' }]);
    expect(s.rows.map((r) => r.kind)).toEqual(['message', 'reasoning', 'message']);
    expect(s.rows[1]).toMatchObject({ streaming: false });
    expect(s.rows[2]).toMatchObject({ role: 'assistant', text: 'Hello!' });
  });

  it('a tool call or the end of the turn closes it; a later round starts a new one', () => {
    let s = R.appendReasoning(emptyChat, 'T', 'first thought');
    s = R.toolCall(s, { turnId: 'T', callId: 'c', name: 'recall_history', arguments: '{}' });
    expect(s.rows[0]).toMatchObject({ kind: 'reasoning', streaming: false });
    s = R.appendReasoning(s, 'T', 'second thought');
    s = R.turnDone(s, { turnId: 'T', status: 'done' });
    expect(s.rows.filter((r) => r.kind === 'reasoning').map((r) => [r.text, r.streaming])).toEqual([
      ['first thought', false],
      ['second thought', false],
    ]);
  });
});
