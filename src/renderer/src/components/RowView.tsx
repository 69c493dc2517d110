import { memo, useState } from 'react';
import { VIEW_FOLD_OVER, VIEW_HEAD, VIEW_TAIL } from '../chat/fold-view';
import { useChatController } from './ChatContext';
import type { MessageRow, Row, ToolRow } from '../chat/types';
import { ReasoningView } from './ReasoningView';
import { decisionLabel } from '../chat/format';
import { CommandCard } from './CommandCard';
import { ToolArguments } from './ToolArguments';
import { FoldBar, Markdown } from './Markdown';

const ROLE_LABEL: Record<MessageRow['role'], string> = {
  user: 'You',
  assistant: 'aios',
  notice: 'Notice',
  error: 'Error',
  system: 'aios',
};

/** A long message restored folded: its head and tail; the middle is fetched on "show all". */
function RestoredFolded({ row, folded }: { row: MessageRow; folded: NonNullable<MessageRow['folded']> }) {
  const chat = useChatController();
  const [busy, setBusy] = useState(false);
  const head = row.text.slice(0, folded.at);
  const tail = row.text.slice(folded.at);
  const markdown = row.role === 'assistant' || row.role === 'system';
  const show = (t: string) => (markdown ? <Markdown text={t} /> : <p className="plain">{t}</p>);
  return (
    <>
      {show(head)}
      <FoldBar
        hiddenChars={folded.omittedChars}
        busy={busy}
        onAll={() => {
          setBusy(true);
          void chat.unfold(row.id, folded.seq).finally(() => setBusy(false));
        }}
      />
      {show(tail)}
    </>
  );
}

/** A person's own text: whole when short, folded like an answer when long. */
function PlainText({ text }: { text: string }) {
  const [all, setAll] = useState(false);
  if (all || text.length <= VIEW_FOLD_OVER) return <p className="plain">{text}</p>;
  return (
    <>
      <p className="plain">{text.slice(0, VIEW_HEAD)}</p>
      <FoldBar hiddenChars={text.length - VIEW_HEAD - VIEW_TAIL} onAll={() => setAll(true)} />
      <p className="plain">{text.slice(-VIEW_TAIL)}</p>
    </>
  );
}

function MessageView({ row }: { row: MessageRow }) {
  return (
    <article
      className={`message role-${row.role}${row.level ? ` level-${row.level}` : ''}`}
      data-testid="message"
      data-role={row.role}
      data-streaming={row.streaming ? 'true' : undefined}
      aria-label={ROLE_LABEL[row.role]}
    >
      {row.folded ? (
        <RestoredFolded row={row} folded={row.folded} />
      ) : row.role === 'assistant' || row.role === 'system' ? (
        <>
          <Markdown text={row.stream ?? row.text} streaming={row.streaming} />
          {row.streaming && <span className="caret" aria-hidden="true" />}
        </>
      ) : (
        <PlainText text={row.text} />
      )}
      {row.failed && (
        <p className="unanswered" data-testid="unanswered">
          no answer: the request failed
        </p>
      )}
    </article>
  );
}

function ToolView({ row }: { row: ToolRow }) {
  const args = row.arguments.length > 200 ? `${row.arguments.slice(0, 200)}…` : row.arguments;
  if (!row.tool) {
    return (
      <p className="tool-call" data-testid="tool-call">
        <span aria-hidden="true">→ </span>
        <span className="tool-name">{row.name}</span> <code>{args}</code>
      </p>
    );
  }
  return (
    <div
      className="tool-call judged"
      data-testid="tool-call"
      data-decision={row.decision}
      data-state={row.state}
      aria-label={`Tool ${row.tool.tool} of ${row.tool.server}`}
    >
      <p className="tool-head">
        <span aria-hidden="true">→ </span>
        <span className="tool-server" data-testid="tool-server">
          {row.tool.server}
        </span>
        <span aria-hidden="true"> › </span>
        <span className="tool-name" data-testid="tool-name">
          {row.tool.tool}
        </span>{' '}
        {row.decision && <span className={`decision decision-${row.decision}`}>{decisionLabel(row.decision)}</span>}
        {row.state === 'refused' && <span className="tool-refusal"> not called{row.refusal ? `: ${row.refusal}` : ''}</span>}
      </p>
      <details className="tool-details">
        <summary>
          <code>{args}</code>
        </summary>
        {row.rule !== undefined && <p className="tool-rule">Rule: {row.rule ?? 'no rule matched (tools no rule allows need approval)'}</p>}
        {row.reasons && row.reasons.length > 0 && <p className="tool-rule">Why: {row.reasons.join('; ')}</p>}
        <ToolArguments pretty={row.tool.arguments} testId="tool-arguments" />
      </details>
    </div>
  );
}

/** One row of the conversation; unchanged rows (same object) do not render again. */
export const RowView = memo(function RowView({ row }: { row: Row }) {
  if (row.kind === 'command') return <CommandCard card={row} />;
  if (row.kind === 'tool') return <ToolView row={row} />;
  if (row.kind === 'reasoning') return <ReasoningView row={row} />;
  return <MessageView row={row} />;
});
