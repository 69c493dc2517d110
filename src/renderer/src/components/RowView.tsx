import { memo } from 'react';
import type { MessageRow, Row, ToolRow } from '../chat/types';
import { CommandCard } from './CommandCard';
import { Markdown } from './Markdown';

const ROLE_LABEL: Record<MessageRow['role'], string> = {
  user: 'You',
  assistant: 'aios',
  notice: 'Notice',
  error: 'Error',
  system: 'aios',
};

function MessageView({ row }: { row: MessageRow }) {
  return (
    <article
      className={`message role-${row.role}${row.level ? ` level-${row.level}` : ''}`}
      data-testid="message"
      data-role={row.role}
      data-streaming={row.streaming ? 'true' : undefined}
      aria-label={ROLE_LABEL[row.role]}
    >
      {row.role === 'assistant' || row.role === 'system' ? (
        <>
          <Markdown text={row.text} />
          {row.streaming && <span className="caret" aria-hidden="true" />}
        </>
      ) : (
        <p className="plain">{row.text}</p>
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
  return (
    <p className="tool-call" data-testid="tool-call">
      <span aria-hidden="true">→ </span>
      <span className="tool-name">{row.name}</span> <code>{args}</code>
    </p>
  );
}

/** One row of the conversation; unchanged rows (same object) do not render again. */
export const RowView = memo(function RowView({ row }: { row: Row }) {
  if (row.kind === 'command') return <CommandCard card={row} />;
  if (row.kind === 'tool') return <ToolView row={row} />;
  return <MessageView row={row} />;
});
