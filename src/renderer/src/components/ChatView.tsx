import { useUi } from '../store';

/**
 * The default screen: the conversation. Until the AI loop is connected it
 * says so plainly and points at the terminal, which already works.
 */
export function ChatView() {
  const info = useUi((s) => s.info);
  return (
    <main className="chat" aria-label="Conversation">
      <div className="conversation" role="log" aria-live="polite">
        <div className="message system">
          <p className="title">Welcome to aios{info ? ` on ${info.machine}` : ''}.</p>
          <p>
            The AI is not connected yet: this build has the terminal but not the assistant. Press <kbd>Ctrl</kbd>+<kbd>`</kbd> or the
            Terminal button to open a shell.
          </p>
        </div>
      </div>
      <form className="composer" onSubmit={(e) => e.preventDefault()}>
        <textarea
          aria-label="Message"
          placeholder="The AI is not connected yet. Press Ctrl+` for a terminal."
          disabled
          rows={2}
        />
        <button type="submit" disabled>
          Send
        </button>
      </form>
    </main>
  );
}
