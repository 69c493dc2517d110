import '@xterm/xterm/css/xterm.css';
import '@fontsource-variable/inter/wght.css';
import './styles.css';
import './experience.css';
import { createRoot } from 'react-dom/client';
import { App, initFontScale } from './App';
import { installBenchHooks } from './bench-hooks';
import { connectBridge } from './bridge/connect';
import { ChatController } from './chat/controller';
import { frameScheduler } from './chat/frame-scheduler';
import { warmMarkdownWhenIdle } from './components/Markdown';
import { reattachTerminal, typeInTerminal } from './components/TerminalPane';
import { useUi } from './store';
import { applyTheme, systemLightQuery } from './theme';

initFontScale();
// Until the config says otherwise: the system's scheme.
applyTheme('system', document.documentElement, systemLightQuery());
installBenchHooks(location.search);
const root = createRoot(document.getElementById('root')!);

/** Until this tab has a place (too many tabs open): what to do, said on the page; the app replaces it once connected. */
function waiting(reason: string): void {
  root.render(
    <div className="fatal" role="status">
      <h1>aios: waiting for a free place</h1>
      <p>{reason}</p>
    </div>,
  );
}

connectBridge(waiting).then(
  ({ bridge, onConnectionChange }) => {
    const chat = new ChatController(bridge, { scheduler: frameScheduler, typeInTerminal });
    onConnectionChange?.((state, reconnected) => {
      useUi.getState().setConnection(state);
      if (reconnected) {
        // The core kept the shell; show it again with what it printed meanwhile.
        reattachTerminal();
        // Events were missed while away: the stored conversation is the truth.
        void chat.restore(true);
        void chat.refreshStatus();
      }
    });
    chat.start();
    root.render(<App bridge={bridge} chat={chat} />);
    // While the page is idle, so the first answer's first frames do not run the Markdown parser cold.
    warmMarkdownWhenIdle();
  },
  (err: unknown) => {
    root.render(
      <div className="fatal" role="alert">
        <h1>aios cannot reach its core</h1>
        <p>{err instanceof Error ? err.message : String(err)}</p>
        <p>
          If this page was never logged in, open the URL that `aios web` printed (its login link works once). A tab that was logged in
          reconnects by itself once `aios web` runs again.
        </p>
      </div>,
    );
  },
);
