import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { createRoot } from 'react-dom/client';
import { connectBridge } from './bridge/connect';
import { App } from './App';
import { reattachTerminal } from './components/TerminalPane';
import { useUi } from './store';

const root = createRoot(document.getElementById('root')!);

connectBridge().then(
  ({ bridge, onConnectionChange }) => {
    onConnectionChange?.((state, reconnected) => {
      useUi.getState().setConnection(state);
      // The core kept the shell; show it again with what it printed meanwhile.
      if (reconnected) reattachTerminal();
    });
    root.render(<App bridge={bridge} />);
  },
  (err: unknown) => {
    root.render(
      <div className="fatal" role="alert">
        <h1>aios cannot reach its core</h1>
        <p>{err instanceof Error ? err.message : String(err)}</p>
        <p>If you opened this page from a bookmark, open the URL that `aios web` printed instead: it carries the access token.</p>
      </div>,
    );
  },
);
