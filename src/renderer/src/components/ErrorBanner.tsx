import { useChat } from '../chat/chat-store';
import { PROVIDER_ERROR_KINDS } from '../chat/reducer';
import { useSettings } from '../settings-state';
import { useChatController } from './ChatContext';

/** The latest error, above the input; what came before stays in the conversation. */
export function ErrorBanner() {
  const chat = useChatController();
  const errors = useChat((s) => s.errors);
  const latest = errors[errors.length - 1];
  if (!latest) return null;
  return (
    <div className="error-banner" data-testid="error-banner" role="alert">
      <p>
        <strong>Something went wrong:</strong> {latest.message}
        {errors.length > 1 && <span className="more"> (and {errors.length - 1} earlier)</span>}
        <span className="hint">
          {PROVIDER_ERROR_KINDS.has(latest.kind) ? ' Check the provider in Settings, or send again.' : ' You can send again.'}
        </span>
      </p>
      {PROVIDER_ERROR_KINDS.has(latest.kind) && (
        <button type="button" data-testid="error-settings" onClick={() => useSettings.getState().show()}>
          Settings
        </button>
      )}
      <button type="button" onClick={() => errors.forEach((e) => chat.dismissError(e.id))}>
        Dismiss
      </button>
    </div>
  );
}
