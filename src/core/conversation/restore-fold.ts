/**
 * What a UI gets back when it (re)loads a conversation: every message, but a
 * long one folded to its head and tail, and the oldest messages left out once
 * the whole would grow past a budget. The memory file keeps every message
 * whole; the rest comes on demand (chat.message). So no stored conversation,
 * however long its answers, can make a page load or render for long.
 */
import type { ConversationItem } from '../../shared/contract';

/** A message longer than this is restored folded. */
export const FOLD_OVER_CHARS = 24_000;
export const FOLD_HEAD_CHARS = 8_000;
export const FOLD_TAIL_CHARS = 8_000;
/** All restored text together stays under this; older messages beyond it are left out. */
export const RESTORE_BUDGET_CHARS = 2_000_000;

/** Head and tail of a long text, cut where no UTF-16 pair is split. */
export function foldItem(item: ConversationItem, seq: number): ConversationItem {
  const text = item.text;
  if (text.length <= FOLD_OVER_CHARS) return item;
  let at = FOLD_HEAD_CHARS;
  if (isLowSurrogate(text.charCodeAt(at))) at--;
  let tailFrom = text.length - FOLD_TAIL_CHARS;
  if (isLowSurrogate(text.charCodeAt(tailFrom))) tailFrom++;
  return { ...item, text: text.slice(0, at) + text.slice(tailFrom), folded: { seq, at, omittedChars: tailFrom - at } };
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function size(item: ConversationItem): number {
  return item.text.length + (item.toolCalls ?? []).reduce((n, c) => n + c.arguments.length + c.name.length, 0);
}

/**
 * The newest messages that fit the budget, oldest first; never starts on a
 * tool result whose call was left out.
 */
export function withinBudget(items: ConversationItem[], budget = RESTORE_BUDGET_CHARS): ConversationItem[] {
  let used = 0;
  let from = items.length;
  while (from > 0 && used + size(items[from - 1]!) <= budget) used += size(items[--from]!);
  while (from < items.length && items[from]!.role === 'tool') from++;
  return from === 0 ? items : items.slice(from);
}
