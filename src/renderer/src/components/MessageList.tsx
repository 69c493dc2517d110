import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useChat } from '../chat/chat-store';
import type { Row } from '../chat/types';
import { FirstScreen } from './FirstScreen';
import { useUi } from '../store';
import { RowView } from './RowView';

/** Within this distance of the end (px) a scroll counts as back at the end, and the view follows again. */
const STICK_SLACK = 40;
/** Keys that scroll the log up: pressing one lets go of the end at once. */
const UP_KEYS = new Set(['ArrowUp', 'PageUp', 'Home']);

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
 *
 * Following is the virtualizer's end anchoring: when the last row grows it
 * moves the scroll position by the growth from its ResizeObserver callback,
 * after the browser's own layout, and writes row positions and the list's
 * height to the DOM itself. Nothing here reads the page's geometry while a
 * row streams, so a frame costs one layout, not one forced from script.
 *
 * Whether to follow is the person's choice, not a distance: a scroll up
 * (wheel, keys, the scroll bar, a swipe) lets go, and a scroll back to the
 * end, "Jump to latest" or sending something follows again. A distance alone
 * would lose the end whenever a slow frame left the view behind it.
 */
export function MessageList() {
  const all = useChat((s) => s.rows);
  const viewStart = useChat((s) => s.viewStart);
  const rows = useMemo(() => (viewStart === 0 ? all : all.slice(viewStart)), [all, viewStart]);
  const machine = useUi((s) => s.info?.machine);
  const scroller = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);
  const followingRef = useRef(true);
  const follow = useCallback((on: boolean) => {
    followingRef.current = on;
    setFollowing(on);
  }, []);
  const letGo = useCallback(() => {
    if (followingRef.current) follow(false);
  }, [follow]);

  // No React Compiler in this build; the virtualizer re-renders this component itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => estimate(rows[i]),
    getItemKey: (i) => rows[i]?.id ?? i,
    overscan: 4,
    anchorTo: 'end',
    followOnAppend: true,
    // Following: every growth at the end is followed, however far a slow frame left the view behind.
    scrollEndThreshold: following ? Number.POSITIVE_INFINITY : 0,
    directDomUpdates: true,
    // Scrolled back down to the end: from the virtualizer's own numbers, no layout read on a scroll.
    onChange: (v) => {
      if (followingRef.current || v.scrollDirection !== 'forward') return;
      if (v.getTotalSize() - (v.scrollRect?.height ?? 0) - (v.scrollOffset ?? 0) <= STICK_SLACK) follow(true);
    },
  });
  const last = rows[rows.length - 1];

  const toEnd = useCallback(() => {
    follow(true);
    virtualizer.scrollToEnd();
  }, [follow, virtualizer]);

  // The person just sent something: show it, wherever they had scrolled.
  const lastId = last?.id;
  const lastIsUser = last?.kind === 'message' && last.role === 'user';
  useLayoutEffect(() => {
    if (lastIsUser) toEnd();
  }, [lastId, lastIsUser, toEnd]);

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
        onWheel={(e) => {
          if (e.deltaY < 0) letGo();
        }}
        onKeyDown={(e) => {
          if (UP_KEYS.has(e.key) || (e.key === ' ' && e.shiftKey)) letGo();
        }}
        onPointerDown={(e) => {
          // On the log itself, not a row: its scroll bar.
          if (e.target === e.currentTarget) letGo();
        }}
        onTouchMove={letGo}
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
          <div className="rows" ref={virtualizer.containerRef}>
            {virtualizer.getVirtualItems().map((item) => (
              <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="row-slot">
                <RowView row={rows[item.index]!} />
              </div>
            ))}
          </div>
        )}
      </div>
      {!following && rows.length > 0 && (
        <button type="button" className="jump-latest" onClick={toEnd}>
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
