import { memo } from 'react';
import type { MessageRow, Row, ToolRow } from '../chat/types';
import { ReasoningView } from './ReasoningView';
import { decisionLabel } from '../chat/format';
import { CommandCard } from './CommandCard';
import { ToolArguments } from './ToolArguments';
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
  if (!row.tool) {
    return (
      <p className="tool-call" data-testid="tool-call">
        <span aria-hidden="true">→ </span>
        <span className="tool-name">{row.name}</span> <code>{args}</code>
      </p>
    );
  }
  return (
    <div className="tool-call judged" data-testid="tool-call" data-decision={row.decision} data-state={row.state} aria-label={`Tool ${row.tool.tool} of ${row.tool.server}`}>
      <p className="tool-head">
        <span aria-hidden="true">→ </span>
        <span className="tool-server" data-testid="tool-server">{row.tool.server}</span>
        <span aria-hidden="true"> › </span>
        <span className="tool-name" data-testid="tool-name">{row.tool.tool}</span>{' '}
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
