import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useChat } from '../chat/chat-store';
import type { Row } from '../chat/types';
import { FirstScreen } from './FirstScreen';
import { useUi } from '../store';
import { RowView } from './RowView';

/** How close to the end still counts as "at the end" (px). */
const STICK_SLACK = 40;

function estimate(row: Row | undefined): number {
  if (!row) return 60;
  if (row.kind === 'command') return 150;
  if (row.kind === 'tool' || row.kind === 'reasoning') return 36;
  return 48 + Math.min(600, Math.ceil(row.text.length / 90) * 22);
}

/**
 * The conversation, virtualised: only rows near the viewport are in the DOM.
 * It follows new content while the person is at the end, stays put when
 * they have scrolled up, and offers a way back.
 */
export function MessageList() {
  const all = useChat((s) => s.rows);
  const viewStart = useChat((s) => s.viewStart);
  const rows = useMemo(() => (viewStart === 0 ? all : all.slice(viewStart)), [all, viewStart]);
  const machine = useUi((s) => s.info?.machine);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [away, setAway] = useState(false);

  // No React Compiler in this build; the virtualizer re-renders this component itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => estimate(rows[i]),
    getItemKey: (i) => rows[i]?.id ?? i,
    overscan: 4,
  });
  const total = virtualizer.getTotalSize();
  const last = rows[rows.length - 1];

  // The person just sent something: show it, wherever they had scrolled.
  const lastId = last?.id;
  const lastIsUser = last?.kind === 'message' && last.role === 'user';
  useLayoutEffect(() => {
    if (lastIsUser) {
      stick.current = true;
      setAway(false);
    }
  }, [lastId, lastIsUser]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current && el.scrollHeight > el.clientHeight) el.scrollTop = el.scrollHeight;
  }, [total, rows]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_SLACK;
    stick.current = atEnd;
    setAway(!atEnd);
  }, []);

  const jump = useCallback(() => {
    stick.current = true;
    setAway(false);
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    if (rows.length > 0) virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
  }, [rows.length, virtualizer]);

  return (
    <div className="conversation-wrap">
      <div
        ref={scroller}
        className="conversation"
        data-testid="conversation"
        role="log"
        aria-label="Chat log"
        aria-live="polite"
        tabIndex={0}
        onScroll={onScroll}
        onWheel={(e) => {
          // Scrolling up lets go at once, before the next frame pulls the view down again.
          if (e.deltaY < 0) stick.current = false;
        }}
      >
        {rows.length === 0 ? (
          <div className="empty-state">
            <p className="title">aios{machine ? ` on ${machine}` : ''}</p>
            <p>
              Ask in plain words, run a command yourself with <kbd>!</kbd>, or type <kbd>/help</kbd>. <kbd>Ctrl</kbd>+<kbd>`</kbd> opens the
              terminal.
            </p>
            <FirstScreen />
          </div>
        ) : (
          <div className="rows" style={{ height: total }}>
            {virtualizer.getVirtualItems().map((item) => (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="row-slot"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <RowView row={rows[item.index]!} />
              </div>
            ))}
          </div>
        )}
      </div>
      {away && rows.length > 0 && (
        <button type="button" className="jump-latest" onClick={jump}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
