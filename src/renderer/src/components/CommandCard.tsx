import { memo, useLayoutEffect, useRef, useState } from 'react';
import { confinedViewNote } from '../../../shared/confined-view';
import { foldMarker } from '../../../shared/output-fold';
import { effectsLine } from '../../../shared/undo-text';
import { exitText, foldOutput, formatDuration, reasonsBeyondRule, verdictLabel } from '../chat/format';
import type { CommandRow } from '../chat/types';
import { useUi } from '../store';
import { AnsiText } from './AnsiText';
import { CardActions } from './CardActions';
import { useChatController } from './ChatContext';

const STATE_LABEL: Record<CommandRow['state'], string> = {
  waiting: 'waiting',
  running: 'running',
  done: 'done',
  refused: 'not run',
  cancelled: 'cancelled',
  timeout: 'timed out',
};

type Fold = ReturnType<typeof foldOutput>;

/** Finished long output is folded to head and tail, as the TTY folds it; live output streams whole. */
function foldedOutput(card: CommandRow, all: boolean): Fold | undefined {
  const finished = card.state !== 'running' && card.state !== 'waiting';
  return finished && !all ? foldOutput(card.output) : undefined;
}

function Output({ card, fold }: { card: CommandRow; fold: Fold | undefined }) {
  const ref = useRef<HTMLPreElement>(null);
  const folded = fold && fold.plan.hidden > 0;
  const shown = fold ? fold.head : card.output;
  const follow = useRef(true);
  useLayoutEffect(() => {
    // Follow the tail while the person has not scrolled the output up.
    const el = ref.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [card.output]);
  return (
    <pre
      ref={ref}
      className="command-output"
      data-testid="command-output"
      tabIndex={0}
      aria-label={`Output of ${card.command}`}
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 16;
      }}
    >
      {card.droppedChars > 0 && (
        <span className="output-dropped">
          … {card.droppedChars.toLocaleString()} earlier characters not shown (the history keeps them){'\n'}
        </span>
      )}
      {shown.map((c, i) => (
        <AnsiText key={i} text={c.data} className={c.stream === 'stderr' ? 'stderr' : undefined} />
      ))}
      {folded && (
        <>
          <span className="output-folded" data-testid="output-folded">
            {foldMarker(fold.plan)}
            {'\n'}
          </span>
          {fold.tail.map((c, i) => (
            <AnsiText key={`t${i}`} text={c.data} className={c.stream === 'stderr' ? 'stderr' : undefined} />
          ))}
        </>
      )}
    </pre>
  );
}

/** One command: what was asked, what the policy decided, and what happened. */
export const CommandCard = memo(function CommandCard({ card }: { card: CommandRow }) {
  const chat = useChatController();
  const inElectron = useUi((s) => s.info?.host === 'electron');
  const [open, setOpen] = useState(true);
  const [all, setAll] = useState(false);
  const fold = foldedOutput(card, all);
  const exit = exitText(card);
  // Ran and ended badly: the card says so instead of a quiet "done".
  const failed = card.state === 'done' && ((card.exitCode !== null && card.exitCode !== 0) || card.signal !== null);
  const hasOutput = card.output.length > 0;
  const showReasons = card.decision === 'deny' || card.decision === 'require_approval';
  const ruleText = card.rule ?? 'no rule matched';
  const extraReasons = reasonsBeyondRule(card.rule, card.reasons);
  const confinedView = card.sandbox?.confined ? confinedViewNote(card.command) : undefined;
  const effects = effectsLine(card);
  return (
    <article
      className={`command-card state-${card.state}${failed ? ' outcome-failed' : ''}`}
      data-testid="command-card"
      data-decision={card.decision ?? undefined}
      data-state={card.state}
      data-outcome={failed ? 'failed' : card.state === 'done' ? 'ok' : undefined}
      aria-label={`Command: ${card.command}`}
    >
      <header className="command-head">
        <span className="prompt-sign" aria-hidden="true">
          $
        </span>
        <code className="command-text" data-testid="command-text">
          {card.command}
        </code>
        <span className={`decision decision-${card.decision ?? 'none'}`} data-testid="command-verdict" data-decided-by={card.decidedBy}>
          {verdictLabel(card)}
        </span>
        <span className="command-state" data-testid="command-state">
          {failed ? 'failed' : STATE_LABEL[card.state]}
        </span>
      </header>
      {card.why && (
        <p className="command-why" data-testid="command-why">
          <span className="label">AI:</span> {card.why}
        </p>
      )}
      <p className="command-rule" data-testid="command-rule" title={card.reasons.join('\n') || undefined}>
        {ruleText}
      </p>
      {/* Why it was stopped or asked about, beyond the rule; for allowed commands the rule says enough. */}
      {showReasons && extraReasons.length > 0 && <p className="command-reasons">{extraReasons.join('; ')}</p>}
      {card.sandbox && (
        <p
          className={`command-sandbox${card.sandbox.confined ? '' : ' warn'}`}
          data-testid="command-sandbox"
          data-confined={card.sandbox.confined}
        >
          {card.sandbox.detail}
        </p>
      )}
      {confinedView && (
        <p className="command-sandbox warn" data-testid="command-confined-view">
          {confinedView}
        </p>
      )}
      {card.jailFailure && (
        <p className="command-sandbox warn" data-testid="command-jail-failure">
          The jail seems to have stopped it: {card.jailFailure}. “Run again unconfined” runs it outside the jail after you approve.
        </p>
      )}
      {effects && (
        <p className={`command-effects${card.notApplied || card.cannotUndo ? ' warn' : ''}`} data-testid="command-effects">
          {effects}
        </p>
      )}
      {card.state === 'waiting' && (
        <p className="command-waiting" role="status">
          {inElectron ? 'Waiting for your answer in the dialog.' : 'Waiting for your approval.'}
        </p>
      )}
      {(card.state === 'refused' || ((card.state === 'cancelled' || card.state === 'done') && card.refusal)) && (
        <p className="command-refusal" data-testid="command-refusal">
          {card.refusal ?? 'not run'}
        </p>
      )}
      {(hasOutput || card.state === 'running' || card.state === 'done' || card.state === 'timeout') && (
        <div className="command-output-wrap">
          <button type="button" className="output-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? 'Hide output' : 'Show output'}
          </button>
          {open && fold && fold.plan.hidden > 0 && (
            <button type="button" className="output-toggle show-all" data-testid="output-show-all" onClick={() => setAll(true)}>
              Show all ({fold.plan.total.toLocaleString()} lines)
            </button>
          )}
          {open ? <Output card={card} fold={fold} /> : <div data-testid="command-output" className="command-output collapsed" hidden />}
        </div>
      )}
      <footer className="command-foot">
        {card.state === 'running' && (
          <>
            <span className="spinner" aria-hidden="true" />
            <span>running…</span>
            <button type="button" className="danger" onClick={() => void chat.cancel()}>
              Cancel
            </button>
          </>
        )}
        {exit && (
          <span className="command-exit" data-testid="command-exit" data-ok={card.exitCode === 0 ? 'true' : 'false'}>
            {card.state === 'timeout' ? `timed out · ${exit}` : exit}
          </span>
        )}
        {card.durationMs !== null && (
          <span className="command-duration" data-testid="command-duration">
            {formatDuration(card.durationMs)}
          </span>
        )}
        {card.cwd && <span className="command-cwd">in {card.cwd}</span>}
        {card.state !== 'running' && card.state !== 'waiting' && <CardActions card={card} />}
      </footer>
    </article>
  );
});
