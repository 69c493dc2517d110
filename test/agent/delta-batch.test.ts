import { describe, expect, it } from 'vitest';
import { DeltaBatcher } from '../../src/core/agent/delta-batch';

describe('streamed text joined before it goes to the hosts', () => {
  it('joins the deltas of a turn, sends them before any other event, and keeps the order', async () => {
    const sent: Array<[string, unknown]> = [];
    const b = new DeltaBatcher((name, payload) => sent.push([name, payload]));
    for (const t of ['a', 'b', 'c']) b.emit('chat.delta', { turnId: 't1', text: t });
    expect(sent).toEqual([]);
    b.emit('chat.notice', { turnId: 't1', level: 'info', message: 'between' });
    b.emit('chat.delta', { turnId: 't1', text: 'd' });
    b.emit('chat.delta', { turnId: 't2', text: 'e' });
    await new Promise((r) => setTimeout(r, 30));
    expect(sent).toEqual([
      ['chat.delta', { turnId: 't1', text: 'abc' }],
      ['chat.notice', { turnId: 't1', level: 'info', message: 'between' }],
      ['chat.delta', { turnId: 't1', text: 'd' }],
      ['chat.delta', { turnId: 't2', text: 'e' }],
    ]);
  });

  it('sends at once when much text is waiting', () => {
    const sent: unknown[] = [];
    const b = new DeltaBatcher((_name, payload) => sent.push(payload));
    b.emit('chat.delta', { turnId: 't', text: 'x'.repeat(40_000) });
    expect(sent).toHaveLength(1);
  });
});
