import { useRef, useState, type KeyboardEvent } from 'react';
import { attachmentNote } from '../../../shared/attachment';
import { MAX_ATTACHMENT_TEXT, MAX_CHAT_TEXT } from '../../../shared/contract';
import { useChat } from '../chat/chat-store';
import { caretAllows, newInputHistory, recall, remember, type InputHistory } from '../chat/input-history';
import { isComposing } from '../keyboard';
import { useChatController } from './ChatContext';
import { slashMatches, SlashPopup, type SlashItem } from './SlashPopup';

const HISTORY_KEY = 'aios.inputHistory';

function kb(chars: number): string {
  return `${Math.round(chars / 1024)} KB`;
}

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
  const [attaching, setAttaching] = useState<string | undefined>();
  const tooLong = text.length > MAX_CHAT_TEXT;
  const [slashActive, setSlashActive] = useState(0);
  const [slashClosed, setSlashClosed] = useState(false);
  const slash = slashClosed ? [] : slashMatches(text);
  const active = Math.min(slashActive, Math.max(0, slash.length - 1));
  const pickSlash = (item: SlashItem) => {
    setText(`/${item.name} `);
    setSlashActive(0);
    area.current?.focus();
  };

  const attach = async () => {
    setAttaching('saving…');
    try {
      const saved = await chat.attachText(text);
      setText(`${attachmentNote(saved)}\n`);
      setAttaching(undefined);
      area.current?.focus();
    } catch (err) {
      setAttaching(`could not attach it: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const submit = () => {
    // Too long for a message: keep the text and offer the file instead of a refusal after the fact.
    if (tooLong) return;
    if (!chat.submit(text)) return;
    history.current = remember(history.current ?? loadHistory(), text);
    saveHistory(history.current);
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter that confirms a Japanese (IME) conversion must not send.
    if (isComposing({ isComposing: e.nativeEvent.isComposing, keyCode: e.keyCode })) return;
    if (slash.length > 0) {
      // The `/` popup: arrows choose, Tab takes, Esc closes; Enter sends what is typed.
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setSlashActive((active + (e.key === 'ArrowDown' ? 1 : slash.length - 1)) % slash.length);
        return;
      }
      if (e.key === 'Tab' && !e.shiftKey) {
        e.preventDefault();
        pickSlash(slash[active]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setSlashClosed(true);
        return;
      }
    }
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
      {tooLong && (
        <div className="composer-limit" role="status" data-testid="composer-limit">
          <span>
            This text is {kb(text.length)}; a message holds at most {kb(MAX_CHAT_TEXT)}.{' '}
            {text.length <= MAX_ATTACHMENT_TEXT
              ? 'Attach it as a file the AI reads with commands, and add your question.'
              : `It is also over the ${kb(MAX_ATTACHMENT_TEXT)} an attachment holds: save it to a file and name the file instead.`}
          </span>
          {text.length <= MAX_ATTACHMENT_TEXT && (
            <button type="button" data-testid="composer-attach" onClick={() => void attach()} disabled={attaching === 'saving…'}>
              Attach as a file
            </button>
          )}
          {attaching && attaching !== 'saving…' && <span className="bad">{attaching}</span>}
        </div>
      )}
      <SlashPopup items={slash} active={active} onPick={pickSlash} />
      <textarea
        ref={area}
        aria-label="Message"
        placeholder="Ask aios…  (!cmd runs a command, /help for more)"
        rows={1}
        value={text}
        autoFocus
        onChange={(e) => (setText(e.target.value), setSlashClosed(false))}
        aria-controls={slash.length > 0 ? 'slash-popup' : undefined}
        aria-activedescendant={slash.length > 0 ? `slash-${slash[active]!.name}` : undefined}
        onKeyDown={onKeyDown}
        lang="ja-JP"
        spellCheck={false}
      />
      <button
        type="button"
        className="new-conversation"
        data-testid="new-conversation"
        onClick={() => void chat.newConversation()}
        title="Start a new conversation (/clear); the old one stays in the memory file"
      >
        New
      </button>
      {busy ? (
        <button type="button" className="stop" onClick={() => void chat.cancel()} title="Stop the running answer (Esc)">
          Stop
        </button>
      ) : (
        <button type="submit" className="send" disabled={text.trim() === '' || tooLong}>
          Send
        </button>
      )}
    </form>
  );
}
