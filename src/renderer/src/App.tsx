import { applyTheme, systemLightQuery } from './theme';
import { useEffect } from 'react';
import type { AiosBridge } from '../../shared/contract';
import { useChat } from './chat/chat-store';
import type { ChatController } from './chat/controller';
import { ApprovalDialog } from './components/ApprovalDialog';
import { ChatContext } from './components/ChatContext';
import { ChatView } from './components/ChatView';
import { SettingsDialog } from './components/SettingsDialog';
import { StatusBar } from './components/StatusBar';
import { setTerminalFontScale, TerminalPane } from './components/TerminalPane';
import { Toasts } from './components/Toasts';
import { applyBaseFontSize, applyScale, readScale, stepScale } from './font-scale';
import type { Shortcut } from './keyboard';
import { installShortcuts } from './keyboard-listener';
import { useUi } from './store';

function storage(): Storage | undefined {
  try {
    return localStorage;
  } catch {
    return undefined;
  }
}

function changeFont(change: 'up' | 'down' | 'reset'): void {
  const root = document.documentElement;
  const scale = stepScale(Number(root.dataset.fontScale ?? '1'), change);
  applyScale(scale, root, storage());
  setTerminalFontScale(scale);
}

/** Sets the remembered text size before the first paint. */
export function initFontScale(): void {
  const scale = readScale(storage());
  applyScale(scale, document.documentElement);
  setTerminalFontScale(scale);
}

export function App({ bridge, chat }: { bridge: AiosBridge; chat: ChatController }) {
  const visible = useUi((s) => s.terminalVisible);
  const toggle = useUi((s) => s.toggleTerminal);

  useEffect(() => {
    bridge.call('app.info', {}).then(
      (info) => {
        useUi.getState().setInfo(info);
        applyBaseFontSize(info.fontSize, document.documentElement);
        applyTheme(info.theme ?? 'system', document.documentElement, systemLightQuery());
      },
      () => undefined,
    );
  }, [bridge]);

  useEffect(() => {
    const run = (s: Shortcut) => {
      if (s === 'toggleTerminal') useUi.getState().toggleTerminal();
      else if (s === 'cancelTurn') void chat.cancel();
      else if (s === 'clearView') chat.clearView();
      else changeFont(s === 'fontUp' ? 'up' : s === 'fontDown' ? 'down' : 'reset');
    };
    return installShortcuts(
      (target) => ({
        inTerminal: target instanceof Element && target.closest('.terminal-pane') !== null,
        dialogOpen: useChat.getState().approvals.length > 0,
        busy: useChat.getState().busy !== null,
      }),
      run,
    );
  }, [chat]);

  useEffect(() => {
    if (!visible) document.querySelector<HTMLTextAreaElement>('.composer textarea:not([disabled])')?.focus();
  }, [visible]);

  return (
    <ChatContext value={chat}>
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
        <ApprovalDialog />
        <SettingsDialog />
        <Toasts />
      </div>
    </ChatContext>
  );
}
