import { useUi } from '../store';

export function StatusBar() {
  const info = useUi((s) => s.info);
  const connection = useUi((s) => s.connection);
  const renderer = useUi((s) => s.terminalRenderer);
  return (
    <footer className="status-bar" aria-label="Status">
      <span className={`connection ${connection}`} title="Connection to the aios core">
        {connection === 'open' ? 'connected' : connection}
      </span>
      {info && <span title="Machine">{info.machine}</span>}
      <span title="AI provider">AI: not connected</span>
      {renderer && <span title="Terminal renderer">terminal: {renderer}</span>}
      <span className="spacer" />
      {info && (
        <span title={`Config: ${info.configFile}`}>
          aios {info.version} · {info.host}
        </span>
      )}
    </footer>
  );
}
