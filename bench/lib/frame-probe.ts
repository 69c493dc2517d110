/**
 * Runs in the page as script strings: the bench is type-checked without the
 * DOM library, and Playwright evaluates strings over CDP, where the page's CSP
 * (no 'unsafe-eval') does not apply as it does to waitForFunction(string). Records every requestAnimationFrame interval, long
 * animation frames and long tasks where the browser reports them, the moment
 * Enter was pressed in the page, and the first frame after the UI's
 * `__aiosChatStats.streaming` went from true back to false.
 */
export interface ProbeResult {
  /** [frame timestamp, interval since the previous frame, characters of the newest answer then] (ms, ms, chars). */
  frames: Array<[number, number, number]>;
  loaf: Array<[number, number]>;
  longtasks: Array<[number, number]>;
  startAt: number;
  endAt: number;
  supported: string[];
}

export const INSTALL_PROBE = `(() => {
  const s = { frames: [], loaf: [], longtasks: [], startAt: 0, endAt: 0, sawStreaming: false, running: true, last: 0, supported: [] };
  s.ended = new Promise((resolve) => (s.resolveEnded = resolve));
  window.__benchProbe = s;
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !s.startAt) s.startAt = performance.now(); }, true);
  const tick = (t) => {
    if (!s.running) return;
    const st = window.__aiosChatStats;
    if (s.last) s.frames.push([t, t - s.last, st ? st.lastChars : 0]);
    s.last = t;
    if (st && st.streaming) s.sawStreaming = true;
    else if (s.sawStreaming && !s.endAt) {
      s.endAt = performance.now();
      s.resolveEnded();
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  for (const [type, into] of [['long-animation-frame', s.loaf], ['longtask', s.longtasks]]) {
    if (!(PerformanceObserver.supportedEntryTypes || []).includes(type)) continue;
    s.supported.push(type);
    new PerformanceObserver((list) => { for (const e of list.getEntries()) into.push([e.startTime, e.duration]); }).observe({ type });
  }
})()`;

/** Resolves (in the page) at the first frame after the stream ended; awaiting it polls nothing. */
export const STREAM_ENDED = 'window.__benchProbe.ended';

export const COLLECT_PROBE = `(() => {
  const s = window.__benchProbe;
  s.running = false;
  return { frames: s.frames, loaf: s.loaf, longtasks: s.longtasks, startAt: s.startAt, endAt: s.endAt, supported: s.supported };
})()`;
