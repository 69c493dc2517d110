import type { Preview } from '../../../shared/preview';
import { visibleText } from '../../../shared/visible-text';

const ONE_LINE = { tabs: false, newlines: false } as const;

/**
 * What the command would change, seen in a throwaway overlay before the
 * question was asked: the summary lines and the limits always,
 * every change (with text diffs) behind a disclosure.
 */
export function ApprovalPreview({ preview }: { preview: Preview }) {
  return (
    <section className="approval-preview" data-testid="approval-preview" aria-label="Preview of what it would change">
      <h3>{preview.ran ? 'Preview: what it would change' : 'Preview'}</h3>
      <ul className="preview-lines" data-testid="preview-lines">
        {preview.lines.map((l) => (
          <li key={l}>{visibleText(l)}</li>
        ))}
      </ul>
      {preview.limits.length > 0 && (
        <ul className="preview-limits" data-testid="preview-limits">
          {preview.limits.map((l) => (
            <li key={l}>⚠ {visibleText(l)}</li>
          ))}
        </ul>
      )}
      {preview.changes.length > 0 && (
        <details className="preview-changes">
          <summary>
            All {preview.changes.length + preview.omitted} change{preview.changes.length + preview.omitted === 1 ? '' : 's'}
          </summary>
          <ul data-testid="preview-changes">
            {preview.changes.map((c) => (
              <li key={`${c.kind} ${c.path}`}>
                <span className={`preview-kind preview-${c.kind}`}>{c.kind}</span>{' '}
                <code>{visibleText(c.display, ONE_LINE) + (c.type === 'dir' ? '/' : '')}</code>
                {c.kind === 'mode' && ` ${c.oldMode} → ${c.newMode}`}
                {c.diff && <pre className="preview-diff">{visibleText(c.diff)}</pre>}
              </li>
            ))}
            {preview.omitted > 0 && <li>… {preview.omitted} more not listed</li>}
          </ul>
        </details>
      )}
    </section>
  );
}
