/**
 * ↑/↓ recall of earlier inputs, like a shell: ↑ steps back, ↓ forward, and
 * stepping past the newest brings back what was being typed.
 */
export interface InputHistory {
  entries: string[];
  /** entries.length when not recalling. */
  cursor: number;
  /** The unsent text from before recalling began. */
  draft: string;
}

export const MAX_INPUT_HISTORY = 200;

export function newInputHistory(entries: string[] = []): InputHistory {
  const kept = entries.slice(-MAX_INPUT_HISTORY);
  return { entries: kept, cursor: kept.length, draft: '' };
}

export function remember(h: InputHistory, text: string): InputHistory {
  const t = text.trim();
  const entries = t === '' || h.entries[h.entries.length - 1] === text ? h.entries : [...h.entries, text].slice(-MAX_INPUT_HISTORY);
  return { entries, cursor: entries.length, draft: '' };
}

/** Returns the text to show, or null when there is nowhere to go. */
export function recall(h: InputHistory, direction: 'back' | 'forward', current: string): { history: InputHistory; text: string } | null {
  if (direction === 'back') {
    if (h.cursor === 0) return null;
    const cursor = h.cursor - 1;
    const draft = h.cursor === h.entries.length ? current : h.draft;
    return { history: { ...h, cursor, draft }, text: h.entries[cursor]! };
  }
  if (h.cursor >= h.entries.length) return null;
  const cursor = h.cursor + 1;
  return { history: { ...h, cursor }, text: cursor === h.entries.length ? h.draft : h.entries[cursor]! };
}

/** ↑ recalls only when the caret is on the first line; ↓ only on the last. */
export function caretAllows(direction: 'back' | 'forward', value: string, selectionStart: number, selectionEnd: number): boolean {
  if (selectionStart !== selectionEnd) return false;
  return direction === 'back' ? !value.slice(0, selectionStart).includes('\n') : !value.slice(selectionEnd).includes('\n');
}
