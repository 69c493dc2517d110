import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useChat } from '../chat/chat-store';
import type { ApprovalRequest } from '../chat/types';
import { approvalWording } from '../../../shared/approval-wording';
import { ApprovalPreview } from './ApprovalPreview';
import { useChatController } from './ChatContext';
import { ToolArguments } from './ToolArguments';
import { visibleText } from '../../../shared/visible-text';

/** What the model or a command wrote is rendered as text and shown whole: no bidi override reorders it. */
const ONE_LINE = { tabs: false, newlines: false } as const;

function secondsLeft(a: ApprovalRequest, now: number): number {
  return Math.max(0, Math.ceil((a.receivedAt + a.timeoutMs - now) / 1000));
}

/** One question as the modal shows it (exported for tests that render it without a store). */
export function ApprovalQuestion({ request }: { request: ApprovalRequest }) {
  const chat = useChatController();
  const deny = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [now, setNow] = useState(() => Date.now());
  /** The command as the person is editing it; undefined while not editing. */
  // Asked only for the edit (Edit was chosen in Electron's native box): the field is open from the start.
  const [edited, setEdited] = useState<string | undefined>(request.editOnly ? request.command : undefined);
  const left = secondsLeft(request, now);
  // Plain words in front; the rule and the engine's reasons behind a disclosure.
  const words = approvalWording(request);

  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    deny.current?.focus();
    // Focus may not wander behind the modal (a click on the page, a shortcut).
    const keep = (e: FocusEvent) => {
      if (box.current && e.target instanceof Node && !box.current.contains(e.target)) deny.current?.focus();
    };
    document.addEventListener('focusin', keep);
    return () => {
      document.removeEventListener('focusin', keep);
      if (before?.isConnected) before.focus();
    };
  }, [request.requestId]);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    // The core denies at its own timeout; the modal just stops asking.
    if (left === 0) chat.expire(request.requestId);
  }, [left, chat, request.requestId]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      void chat.answer(request.requestId, false);
      return;
    }
    if (e.key === 'Tab') {
      const focusable = [...(box.current?.querySelectorAll<HTMLElement>('button, [tabindex="0"]') ?? [])];
      const first = focusable[0];
      const lastEl = focusable[focusable.length - 1];
      if (!first || !lastEl) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        lastEl.focus();
      } else if (!e.shiftKey && document.activeElement === lastEl) {
        e.preventDefault();
        first.focus();
      }
    }
  };

  return (
    <div className="modal-backdrop">
      <div
        ref={box}
        className="modal approval"
        role="dialog"
        aria-modal="true"
        aria-labelledby="approval-title"
        aria-describedby="approval-desc"
        onKeyDown={onKeyDown}
      >
        {request.tool ? (
          <>
            <h2 id="approval-title">Approve tool call</h2>
            <p id="approval-desc">{visibleText(words.headline)} Nothing is called unless you approve it.</p>
          </>
        ) : (
          <>
            <h2 id="approval-title">{request.editOnly ? 'Edit command' : 'Approve command'}</h2>
            <p id="approval-desc">
              {request.editOnly
                ? 'You chose Edit in the approval dialog. Change the command: aios judges the edited one again, and asks in the dialog if it must.'
                : 'The AI wants to run this command. Nothing runs unless you approve it.'}
            </p>
            {edited === undefined ? (
              <pre className="approval-command" data-testid="approval-command" tabIndex={0}>
                {visibleText(request.command)}
              </pre>
            ) : (
              <textarea
                className="approval-command approval-edit"
                data-testid="approval-edit"
                aria-label="Edited command"
                value={edited}
                rows={Math.min(8, edited.split('\n').length + 1)}
                spellCheck={false}
                onChange={(e) => setEdited(e.target.value)}
                onKeyDown={(e) => {
                  // Tab leaves the field (focus stays in the dialog); Enter alone does not run anything.
                  if (e.key === 'Enter' && !e.shiftKey) e.preventDefault();
                }}
              />
            )}
          </>
        )}
        <div className="approval-because" data-testid="approval-because">
          <span className="label">aios asks because</span>
          <ul>
            {words.because.map((b) => (
              <li key={b}>{visibleText(b)}</li>
            ))}
          </ul>
        </div>
        {request.why && (
          <p className="approval-why" data-testid="approval-why">
            <span className="label">The AI says why:</span> {visibleText(request.why)}
          </p>
        )}
        <dl className="approval-facts">
          {request.tool ? (
            <>
              <dt>Server</dt>
              <dd>
                <code data-testid="approval-server">{visibleText(request.tool.server, ONE_LINE)}</code>
              </dd>
              <dt>Tool</dt>
              <dd>
                <code data-testid="approval-tool">{visibleText(request.tool.tool, ONE_LINE)}</code>
              </dd>
              <dt>Arguments</dt>
              <dd>
                <ToolArguments pretty={request.tool.arguments} testId="approval-arguments" />
              </dd>
            </>
          ) : (
            <>
              <dt>In</dt>
              <dd>
                <code data-testid="approval-cwd">{visibleText(request.cwd, ONE_LINE)}</code>
              </dd>
            </>
          )}
        </dl>
        <details className="approval-details" data-testid="approval-details">
          <summary>Details: the rule and the policy&apos;s reasons</summary>
          <p data-testid="approval-rule">
            rule: {request.rule ?? `none matched (${request.tool ? 'tools' : 'commands'} no rule allows need approval)`}
          </p>
          {words.details.length > 1 && (
            <ul data-testid="approval-reasons">
              {words.details.slice(1).map((d) => (
                <li key={d}>{visibleText(d)}</li>
              ))}
            </ul>
          )}
        </details>
        {request.preview ? (
          <ApprovalPreview preview={request.preview} />
        ) : (
          request.previewPending && (
            <p className="approval-preview-pending" data-testid="approval-preview-pending" role="status">
              Preparing the preview… It appears here when ready; you may answer now.
            </p>
          )
        )}
        {request.remember && (
          <p className="approval-remember" data-testid="approval-remember">
            &ldquo;Always allow&rdquo; writes the rule <code>{request.remember.pattern}</code> into <code>{request.remember.file}</code>{' '}
            ([permissions] {request.remember.list}); /permissions lists and removes it.
          </p>
        )}
        <p className="countdown" data-testid="approval-countdown">
          Denied automatically in {left} s.
        </p>
        <div className="modal-actions">
          <button ref={deny} type="button" className="deny" onClick={() => void chat.answer(request.requestId, false)}>
            {request.editOnly ? 'Cancel (run nothing)' : 'Deny'}
          </button>
          {!request.tool &&
            (edited === undefined ? (
              <button
                type="button"
                onClick={() => setEdited(request.command)}
                title="Change the command; the edited one is judged again by the policy"
              >
                Edit
              </button>
            ) : (
              <button
                type="button"
                className="approve"
                disabled={edited.trim() === '' || edited.trim() === request.command}
                onClick={() => void chat.answer(request.requestId, true, { editedCommand: edited.trim() })}
                title="The edited command is judged again by the policy before anything runs"
              >
                Check edited command
              </button>
            ))}
          {edited === undefined && (
            <button type="button" className="approve" onClick={() => void chat.answer(request.requestId, true)}>
              Approve
            </button>
          )}
          {edited === undefined && request.remember && (
            <button
              type="button"
              className="approve always"
              data-testid="approval-always"
              title={`Adds ${request.remember.list} ${JSON.stringify(request.remember.pattern)} to ${request.remember.file}`}
              onClick={() => void chat.answer(request.requestId, true, { remember: true })}
            >
              Always allow <code>{request.remember.pattern}</code>
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

/** The browser host's approval: answers only the request id the core sent. */
export function ApprovalDialog() {
  const first = useChat((s) => s.approvals[0]);
  if (!first) return null;
  return <ApprovalQuestion key={first.requestId} request={first} />;
}
