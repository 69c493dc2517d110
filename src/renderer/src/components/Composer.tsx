import { useRef, useState, type KeyboardEvent } from 'react';
import { useChat } from '../chat/chat-store';
import { caretAllows, newInputHistory, recall, remember, type InputHistory } from '../chat/input-history';
import { isComposing } from '../keyboard';
import { useChatController } from './ChatContext';

const HISTORY_KEY = 'aios.inputHistory';

function loadHistory(): InputHistory {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return newInputHistory(Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return newInputHistory();
  }
}

function saveHistory(h: InputHistory): void {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(h.entries));
  } catch {
    // full or denied: recall still works for this page
  }
}

/** The input: Enter sends, Shift+Enter breaks the line, ↑/↓ recall, IME-safe. */
export function Composer() {
  const chat = useChatController();
  const busy = useChat((s) => s.busy !== null);
  const [text, setText] = useState('');
  const history = useRef<InputHistory | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  const submit = () => {
    if (!chat.submit(text)) return;
    history.current = remember(history.current ?? loadHistory(), text);
    saveHistory(history.current);
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter that confirms a Japanese (IME) conversion must not send.
    if (isComposing({ isComposing: e.nativeEvent.isComposing, keyCode: e.keyCode })) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submit();
      return;
    }
    if ((e.key === 'ArrowUp' || e.key === 'ArrowDown') && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      const dir = e.key === 'ArrowUp' ? 'back' : 'forward';
      const el = e.currentTarget;
      if (!caretAllows(dir, el.value, el.selectionStart, el.selectionEnd)) return;
      const r = recall(history.current ?? loadHistory(), dir, el.value);
      if (!r) return;
      e.preventDefault();
      history.current = r.history;
      setText(r.text);
      requestAnimationFrame(() => {
        const a = area.current;
        if (a) a.selectionStart = a.selectionEnd = a.value.length;
      });
    }
  };

  return (
    <form
      className="composer"
      data-testid="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        ref={area}
        aria-label="Message"
        placeholder="Ask aios…  (!cmd runs a command, /help for more)"
        rows={1}
        value={text}
        autoFocus
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        lang="ja-JP"
        spellCheck={false}
      />
      {busy ? (
        <button type="button" className="stop" onClick={() => void chat.cancel()} title="Stop the running answer (Esc)">
          Stop
        </button>
      ) : (
        <button type="submit" className="send" disabled={text.trim() === ''}>
          Send
        </button>
      )}
    </form>
  );
}
