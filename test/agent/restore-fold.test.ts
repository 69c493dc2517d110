import { describe, expect, it } from 'vitest';
import { FOLD_HEAD_CHARS, FOLD_OVER_CHARS, FOLD_TAIL_CHARS, foldItem, withinBudget } from '../../src/core/conversation/restore-fold';
import type { ConversationItem } from '../../src/shared/contract';

describe('what chat.state hands a UI', () => {
  it('folds a long message to its head and tail and says where and how much', () => {
    const text = `HEAD${'x'.repeat(5_000_000)}TAIL`;
    const f = foldItem({ role: 'assistant', text }, 42);
    expect(f.text.length).toBe(FOLD_HEAD_CHARS + FOLD_TAIL_CHARS);
    expect(f.folded).toEqual({ seq: 42, at: FOLD_HEAD_CHARS, omittedChars: text.length - FOLD_HEAD_CHARS - FOLD_TAIL_CHARS });
    expect(f.text.startsWith('HEAD')).toBe(true);
    expect(f.text.endsWith('TAIL')).toBe(true);
    expect(text.slice(0, f.folded!.at) + text.slice(f.folded!.at + f.folded!.omittedChars)).toBe(f.text);
  });

  it('keeps a short message whole, and never splits a surrogate pair', () => {
    const short: ConversationItem = { role: 'user', text: 'hello' };
    expect(foldItem(short, 1)).toBe(short);
    const emoji = '😀'.repeat(FOLD_OVER_CHARS);
    const f = foldItem({ role: 'assistant', text: emoji }, 2);
    expect(f.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    expect([...f.text].every((c) => c === '😀')).toBe(true);
  });

  it('leaves out the oldest messages past the budget, never starting on an orphaned tool result', () => {
    const items: ConversationItem[] = [
      { role: 'user', text: 'a'.repeat(600) },
      { role: 'assistant', text: '', toolCalls: [{ id: 'c1', name: 'run_command', arguments: '{}' }] },
      { role: 'tool', text: 'r'.repeat(300) },
      { role: 'tool', text: 'r'.repeat(300) },
      { role: 'user', text: 'b'.repeat(200) },
      { role: 'assistant', text: 'c'.repeat(200) },
    ];
    expect(withinBudget(items, 10_000)).toBe(items);
    expect(withinBudget(items, 1000).map((i) => i.role)).toEqual(['user', 'assistant']);
  });
});
