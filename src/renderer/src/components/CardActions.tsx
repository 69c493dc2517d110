import { useEffect, useState } from 'react';
import { useChat } from '../chat/chat-store';
import type { CommandRow } from '../chat/types';
import { copyText } from '../copy-text';
import { useCardUndo } from '../chat/undo-state';
import { useChatController } from './ChatContext';

type Copied = 'command' | 'output' | 'failed' | undefined;

/**
 * What a person does with a finished command, as in other terminals' UIs:
 * copy the command, copy its output, run it again (as `!command`: the same
 * policy and approvals decide again).
 */
export function CardActions({ card }: { card: CommandRow }) {
  const chat = useChatController();
  const busy = useChat((s) => s.busy !== null);
  const [copied, setCopied] = useState<Copied>();
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(undefined), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = (what: 'command' | 'output', text: string) => void copyText(text).then((ok) => setCopied(ok ? what : 'failed'));
  const output = card.output.map((c) => c.data).join('');
  return (
    <span className="card-actions" data-testid="card-actions">
      <button type="button" className="card-action" onClick={() => copy('command', card.command)}>
        {copied === 'command' ? 'Copied' : 'Copy command'}
      </button>
      {output.length > 0 && (
        <button type="button" className="card-action" onClick={() => copy('output', output)}>
          {copied === 'output' ? 'Copied' : 'Copy output'}
        </button>
      )}
      <button
        type="button"
        className="card-action"
        disabled={busy}
        title={busy ? 'wait until aios is free' : 'run it again (the policy decides again)'}
        onClick={() => chat.submit(`!${card.command}`)}
      >
        Run again
      </button>
      {card.jailFailure && (
        <button
          type="button"
          className="card-action"
          data-testid="run-unconfined"
          disabled={busy}
          title={busy ? 'wait until aios is free' : 'run it again outside the jail; aios asks you first'}
          onClick={() => void chat.direct(card.command, { unconfined: true })}
        >
          Run again unconfined…
        </button>
      )}
      {card.undo?.recordId && <UndoAction recordId={card.undo.recordId} busy={busy} />}
      {copied === 'failed' && <span className="bad">copy failed</span>}
    </span>
  );
}

/** Undo, and once undone in this window, Redo: each takes the record the other left. */
function UndoAction({ recordId, busy }: { recordId: string; busy: boolean }) {
  const chat = useChatController();
  const undone = useCardUndo((s) => s.byCard[recordId]?.undone ?? false);
  return (
    <button
      type="button"
      className="card-action"
      data-testid={undone ? 'card-redo' : 'card-undo'}
      disabled={busy}
      title={undone ? 'make the change again' : 'put back the files this command changed'}
      onClick={() => void chat.undoCard(recordId)}
    >
      {undone ? 'Redo' : 'Undo'}
    </button>
  );
}
