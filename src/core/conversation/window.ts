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

/**
 * The sizes of a run of messages that many requests share (read back from
 * the store, frozen): `prefix[i]` is the size of messages `[0, i)`, `users`
 * the indexes of its user messages, ascending. With it a request is fitted
 * without looking at each kept message again (a walk over hundreds of
 * objects that other work pushed out of the CPU's caches between requests).
 */
export interface SizedRun {
  readonly prefix: readonly number[];
  readonly users: readonly number[];
}

export function sizedRun(messages: ReadonlyArray<{ role?: unknown }>): SizedRun {
  return extendRun({ prefix: [0], users: [] }, messages, 0);
}

/** `run` with `more` added at its end and its first `drop` messages left out. */
export function extendRun(run: SizedRun, more: ReadonlyArray<{ role?: unknown }>, drop: number): SizedRun {
  const length = run.prefix.length - 1;
  const prefix = run.prefix.slice(drop);
  const users = run.users.filter((u) => u >= drop).map((u) => u - drop);
  let total = run.prefix[length]!;
  more.forEach((m, i) => {
    total += sizeOf(m);
    prefix.push(total);
    if (m.role === 'user') users.push(length - drop + i);
  });
  return { prefix, users };
}

/**
 * `fitToBudget` of the newest `limit` of `base` followed by `extra`, where
 * `run` gives the sizes of `base`: the same answer (a test compares them),
 * looking only at `extra`'s messages.
 */
export function fitSized<M extends { role?: unknown }>(
  base: readonly M[],
  run: SizedRun,
  extra: readonly M[],
  limit: number,
  budgetChars: number,
): Windowed<M> {
  const n = base.length;
  const length = n + extra.length;
  const cut = Math.max(0, length - limit);
  const extraSizes = extra.map((m) => sizeOf(m));
  /** The size of the messages from index `k` of base + extra to the end. */
  const suffix: number[] = [];
  let tail = 0;
  for (let j = extra.length - 1; j >= 0; j--) suffix[j] = tail += extraSizes[j]!;
  const sizeFrom = (k: number) => (k >= n ? suffix[k - n]! : run.prefix[n]! - run.prefix[k]! + tail);
  let start = length;
  // Walk back question by question, newest first (as fitToBudget walks back turn by turn).
  const walk = (k: number): boolean => {
    if (k < cut) return false;
    const used = sizeFrom(k);
    if (used > budgetChars && start < length) return false;
    start = k;
    return used <= budgetChars; // the newest turn is kept even when alone it is too large
  };
  let going = true;
  for (let j = extra.length - 1; j >= 0 && going; j--) if (extra[j]!.role === 'user') going = walk(n + j);
  for (let u = run.users.length - 1; u >= 0 && going; u--) going = walk(run.users[u]!);
  const from = start === length ? cut : start;
  const messages = from >= n ? extra.slice(from - n) : base.slice(from);
  if (from < n) for (const m of extra) messages.push(m);
  return { messages, dropped: from - cut };
}
