import { useUi } from '../store';
import { useChatController } from './ChatContext';

/** config.toml could not be used: where, why, and that the safe policy is in force until it is fixed. */
export function ConfigBanner() {
  const chat = useChatController();
  const config = useUi((s) => s.status?.config);
  if (!config || config.problems.length === 0) return null;
  const shown = config.problems.slice(0, 3);
  return (
    <div className="config-banner" role="alert" data-testid="config-banner">
      <p>
        <strong>
          {config.file} has {config.problems.length === 1 ? 'a problem' : `${config.problems.length} problems`}.
        </strong>{' '}
        The safe policy is in force: every command needs your approval and the shipped deny list applies. Fix the file, then restart aios.
      </p>
      <ul>
        {shown.map((p) => (
          <li key={p.text}>
            <code>{p.text}</code>
          </li>
        ))}
        {config.problems.length > shown.length && <li>… and {config.problems.length - shown.length} more (aios doctor lists them all)</li>}
      </ul>
      <button type="button" onClick={() => chat.openConfigInTerminal(config.file)}>
        Open it in the terminal
      </button>
    </div>
  );
}
