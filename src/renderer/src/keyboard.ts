/** The app's shortcuts, in one place. */
export type Shortcut = 'toggleTerminal' | 'cancelTurn' | 'clearView' | 'fontUp' | 'fontDown' | 'fontReset';

export interface KeyLike {
  key: string;
  code: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  isComposing?: boolean;
  keyCode?: number;
}

/** Where the key was pressed; decides who gets keys both the app and a shell want. */
export interface KeyContext {
  inTerminal: boolean;
  dialogOpen: boolean;
  busy: boolean;
}

export function isComposing(e: Pick<KeyLike, 'isComposing' | 'keyCode'>): boolean {
  // 229: the key went to an IME (Chrome reports it while composing Japanese).
  return e.isComposing === true || e.keyCode === 229;
}

export function matchShortcut(e: KeyLike, ctx: KeyContext): Shortcut | null {
  if (isComposing(e) || e.altKey || e.metaKey) return null;
  if (e.ctrlKey) {
    if (e.code === 'Backquote' || e.key === '`') return 'toggleTerminal';
    // Ctrl+L is the shell's clear-screen too: the terminal keeps it.
    if (!e.shiftKey && (e.key === 'l' || e.key === 'L')) return ctx.inTerminal ? null : 'clearView';
    if (e.key === '=' || e.key === '+' || e.code === 'Equal' || e.code === 'NumpadAdd') return 'fontUp';
    if (e.key === '-' || e.key === '_' || e.code === 'Minus' || e.code === 'NumpadSubtract') return 'fontDown';
    if (e.key === '0' || e.code === 'Digit0' || e.code === 'Numpad0') return 'fontReset';
    return null;
  }
  // Esc belongs to a dialog when one is open, and to programs in the shell.
  if (e.key === 'Escape' && !e.shiftKey && !ctx.inTerminal && !ctx.dialogOpen && ctx.busy) return 'cancelTurn';
  return null;
}
