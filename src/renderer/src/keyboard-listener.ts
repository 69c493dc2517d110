import { matchShortcut, type KeyContext, type Shortcut } from './keyboard';

/**
 * Listens in the capture phase so the keys work while xterm has focus
 * (xterm swallows keys in its own handlers).
 */
export function installShortcuts(context: (target: EventTarget | null) => KeyContext, run: (s: Shortcut) => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    const s = matchShortcut(e, context(e.target));
    if (!s) return;
    e.preventDefault();
    e.stopPropagation();
    run(s);
  };
  window.addEventListener('keydown', onKey, true);
  return () => window.removeEventListener('keydown', onKey, true);
}
