import { useEffect } from 'react';
import type { AiosBridge } from '../../shared/contract';
import { ChatView } from './components/ChatView';
import { StatusBar } from './components/StatusBar';
import { TerminalPane } from './components/TerminalPane';
import { useUi } from './store';

export function isToggleTerminalKey(e: KeyboardEvent): boolean {
  return e.ctrlKey && !e.altKey && !e.metaKey && (e.code === 'Backquote' || e.key === '`');
}

export function App({ bridge }: { bridge: AiosBridge }) {
  const visible = useUi((s) => s.terminalVisible);
  const toggle = useUi((s) => s.toggleTerminal);

  useEffect(() => {
    bridge.call('app.info', {}).then(
      (info) => useUi.getState().setInfo(info),
      () => undefined,
    );
  }, [bridge]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isToggleTerminalKey(e)) {
        e.preventDefault();
        e.stopPropagation();
        useUi.getState().toggleTerminal();
      }
    };
    // Capture phase: the key must work while xterm has focus too.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  useEffect(() => {
    if (!visible) document.querySelector<HTMLTextAreaElement>('.composer textarea:not([disabled])')?.focus();
  }, [visible]);

  return (
    <div className={`app${visible ? ' with-terminal' : ''}`}>
      <header className="top-bar">
        <span className="brand">aios</span>
        <span className="spacer" />
        <button type="button" className="terminal-toggle" aria-pressed={visible} onClick={toggle} title="Toggle terminal (Ctrl+`)">
          Terminal <kbd>Ctrl+`</kbd>
        </button>
      </header>
      <ChatView />
      <TerminalPane bridge={bridge} />
      <StatusBar />
    </div>
  );
}
