/**
 * Fits a conversation into the model's context: keeps the newest whole
 * turns (a turn starts at a user message, so tool results never lose the
 * call they answer) whose size fits the budget, and says how many were left
 * out so the model knows the conversation is longer.
 */
export interface Windowed<M> {
  messages: M[];
  dropped: number;
}

/** Sizes of frozen messages (those read back from the store, shared between requests): measured once each. */
const frozenSizes = new WeakMap<object, number>();

export function sizeOf(message: unknown): number {
  const frozen = message !== null && typeof message === 'object' && Object.isFrozen(message);
  const known = frozen ? frozenSizes.get(message) : undefined;
  if (known !== undefined) return known;
  const size = JSON.stringify(message).length;
  if (frozen) frozenSizes.set(message, size);
  return size;
}

export function fitToBudget<M extends { role?: unknown }>(messages: readonly M[], budgetChars: number): Windowed<M> {
  let used = 0;
  let start = messages.length;
  // Walk back turn by turn.
  for (let i = messages.length - 1; i >= 0; i--) {
    used += sizeOf(messages[i]);
    if (messages[i]?.role === 'user') {
      if (used > budgetChars && start < messages.length) break;
      start = i;
      if (used > budgetChars) break; // the newest turn is kept even when alone it is too large
    }
  }
  if (start === messages.length) {
    // No user message at all: keep everything (a restored fragment); the model copes.
    return { messages: [...messages], dropped: 0 };
  }
  return { messages: messages.slice(start), dropped: start };
}
