import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useChat } from '../chat/chat-store';
import type { ApprovalRequest } from '../chat/types';
import { reasonsBeyondRule } from '../chat/format';
import { ApprovalPreview } from './ApprovalPreview';
import { useChatController } from './ChatContext';
import { ToolArguments } from './ToolArguments';

function secondsLeft(a: ApprovalRequest, now: number): number {
  return Math.max(0, Math.ceil((a.receivedAt + a.timeoutMs - now) / 1000));
}

function Dialog({ request }: { request: ApprovalRequest }) {
  const chat = useChatController();
  const deny = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [now, setNow] = useState(() => Date.now());
  /** The command as the person is editing it; undefined while not editing. */
  const [edited, setEdited] = useState<string | undefined>();
  const left = secondsLeft(request, now);
  // The rule is shown once; reasons that only repeat it are left out.
  const extra = reasonsBeyondRule(request.rule, request.reasons);

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
      <div ref={box} className="modal approval" role="dialog" aria-modal="true" aria-labelledby="approval-title" aria-describedby="approval-desc" onKeyDown={onKeyDown}>
        {request.tool ? (
          <>
            <h2 id="approval-title">Approve tool call</h2>
            <p id="approval-desc">The AI wants to call an MCP tool. Nothing is called unless you approve it.</p>
          </>
        ) : (
          <>
            <h2 id="approval-title">Approve command</h2>
            <p id="approval-desc">The AI wants to run this command. Nothing runs unless you approve it.</p>
            {edited === undefined ? (
              <pre className="approval-command" data-testid="approval-command" tabIndex={0}>
                {request.command}
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
        {request.why && (
          <p className="approval-why" data-testid="approval-why">
            <span className="label">The AI says why:</span> {request.why}
          </p>
        )}
        <dl className="approval-facts">
          {request.tool ? (
            <>
              <dt>Server</dt>
              <dd>
                <code data-testid="approval-server">{request.tool.server}</code>
              </dd>
              <dt>Tool</dt>
              <dd>
                <code data-testid="approval-tool">{request.tool.tool}</code>
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
                <code data-testid="approval-cwd">{request.cwd}</code>
              </dd>
            </>
          )}
          <dt>Rule</dt>
          <dd data-testid="approval-rule">{request.rule ?? `no rule matched (${request.tool ? 'tools' : 'commands'} no rule allows need approval)`}</dd>
          {extra.length > 0 && (
            <>
              <dt>Also</dt>
              <dd data-testid="approval-reasons">{extra.join('; ')}</dd>
            </>
          )}
        </dl>
        {request.preview ? (
          <ApprovalPreview preview={request.preview} />
        ) : (
          request.previewPending && (
            <p className="approval-preview-pending" data-testid="approval-preview-pending" role="status">
              Preparing the preview… It appears here when ready; you may answer now.
            </p>
          )
        )}
        <p className="countdown" data-testid="approval-countdown">
          Denied automatically in {left} s.
        </p>
        <div className="modal-actions">
          <button ref={deny} type="button" className="deny" onClick={() => void chat.answer(request.requestId, false)}>
            Deny
          </button>
          {!request.tool &&
            (edited === undefined ? (
              <button type="button" onClick={() => setEdited(request.command)} title="Change the command; the edited one is judged again by the policy">
                Edit
              </button>
            ) : (
              <button
                type="button"
                className="approve"
                disabled={edited.trim() === '' || edited.trim() === request.command}
                onClick={() => void chat.answer(request.requestId, true, edited.trim())}
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
        </div>
      </div>
    </div>
  );
}

/** The browser host's approval: answers only the request id the core sent. */
export function ApprovalDialog() {
  const first = useChat((s) => s.approvals[0]);
  if (!first) return null;
  return <Dialog key={first.requestId} request={first} />;
}
