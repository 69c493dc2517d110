import type { ReasoningRow } from '../chat/types';

/** The model's reasoning, folded: a "Thinking" disclosure the person may open; shown as plain text, never as the answer. */
export function ReasoningView({ row }: { row: ReasoningRow }) {
  const words = row.text.trim() === '' ? 0 : row.text.trim().split(/\s+/).length;
  return (
    <details className="reasoning" data-testid="reasoning" data-streaming={row.streaming ? 'true' : undefined}>
      <summary>
        {row.streaming ? 'Thinking…' : 'Thinking'} <span className="reasoning-size">({words} words)</span>
      </summary>
      <p className="reasoning-text" data-testid="reasoning-text">
        {row.text.trim()}
      </p>
    </details>
  );
}
