/**
 * The page's main-thread CPU time per frame, from a Chrome trace (DevTools
 * Protocol `Tracing`). A frame's wall-clock length on a machine shared with
 * other jobs says as much about the other jobs as about the page; the thread
 * time of the task that ran the frame says what the page itself cost.
 */
import fs from 'node:fs';
import type { CDPSession } from '@playwright/test';
import { percentile } from './stats';

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

export interface MainThreadCpu {
  /** Thread time of the tasks that ran a frame (ms). */
  frameP50: number;
  frameP95: number;
  frameMax: number;
  frames: number;
  /** The most thread time of one frame in the first EARLY_MS of the trace (the stream's start: the row's first layout, cold code). */
  earlyFrameMax: number;
  /** Thread time of every main-thread task over the traced span's length. */
  busy: number;
  /**
   * The longest time between two frames the main thread began (ms), and the
   * thread time its tasks ran in it: where the second is far smaller, the
   * thread was not working but waiting (for a core, or for the compositor).
   */
  longestGap: number;
  longestGapCpu: number;
  /** Of the gaps of 50 ms or more: how many, and the most thread time one held. */
  longGaps: number;
  longGapsMaxCpu: number;
}

// RunTask (with thread time) is in the timeline's detailed category; a frame's task holds ProxyMain::BeginMainFrame.
const CATEGORIES = ['disabled-by-default-devtools.timeline', 'benchmark'];
/** What a dumped trace adds: script, GC, layout and paint, and the compositor's frames. */
const DUMP_CATEGORIES = [
  'devtools.timeline',
  'v8',
  'v8.execute',
  'disabled-by-default-v8.gc',
  'blink',
  'cc',
  'gpu',
  'toplevel',
  'disabled-by-default-devtools.timeline.frame',
];

/**
 * `dumpTo`: also write every event, with V8's and Blink's timeline categories,
 * to this file (Chrome's trace format: open it in chrome://tracing or Perfetto).
 */
export async function startTrace(cdp: CDPSession, dumpTo?: string): Promise<() => Promise<MainThreadCpu>> {
  const events: TraceEvent[] = [];
  const all: unknown[] = [];
  cdp.on('Tracing.dataCollected', (d) => {
    for (const e of d.value as unknown as TraceEvent[]) {
      if (dumpTo) all.push(e);
      if (e.ph === 'X' || e.ph === 'M') events.push(e);
    }
  });
  const categories = dumpTo ? [...CATEGORIES, ...DUMP_CATEGORIES] : CATEGORIES;
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: categories }, transferMode: 'ReportEvents' });
  return async () => {
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await complete;
    if (dumpTo) fs.writeFileSync(dumpTo, JSON.stringify({ traceEvents: all }));
    return summarise(events);
  };
}

/**
 * A task's thread time, never more than its wall time: on this virtual
 * machine a few tasks in ten thousand report up to 9 ms more thread time
 * than wall time, which cannot be (the thread clock's error), and one such
 * task set the maximum.
 */
const threadTime = (e: TraceEvent) => Math.min(e.tdur ?? 0, e.dur ?? Number.POSITIVE_INFINITY);

/** What counts as the start of the traced stream (ms from Enter): the first delta comes 0.1-0.5 s after it. */
export const EARLY_MS = 1500;

function summarise(events: TraceEvent[]): MainThreadCpu {
  const mains = new Set(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  // The page's main thread: the renderer main thread that ran the most.
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !mains.has(key)) continue;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(e);
  }
  const cpu = (list: TraceEvent[]) => list.reduce((a, e) => a + (e.name === 'RunTask' ? threadTime(e) : 0), 0);
  const main = [...byThread.values()].sort((a, b) => cpu(b) - cpu(a))[0] ?? [];
  const tasks = main.filter((e) => e.name === 'RunTask' && e.tdur !== undefined).sort((a, b) => a.ts - b.ts);
  const frameStarts = main.filter((e) => e.name === 'ProxyMain::BeginMainFrame').map((e) => e.ts);
  frameStarts.sort((a, b) => a - b);
  const frameTimes: number[] = [];
  const earlyEnd = (tasks[0]?.ts ?? 0) + EARLY_MS * 1000;
  let earlyFrameMax = 0;
  let j = 0;
  for (const t of tasks) {
    while (j < frameStarts.length && frameStarts[j]! < t.ts) j++;
    if (j < frameStarts.length && frameStarts[j]! <= t.ts + (t.dur ?? 0)) {
      frameTimes.push(threadTime(t) / 1000);
      if (t.ts < earlyEnd) earlyFrameMax = Math.max(earlyFrameMax, threadTime(t) / 1000);
    }
  }
  frameTimes.sort((a, b) => a - b);
  // Thread time between consecutive frames: tasks are sorted by start, so one pass.
  let longestGap = 0;
  let longestGapCpu = 0;
  let longGaps = 0;
  let longGapsMaxCpu = 0;
  let k = 0;
  for (let f = 1; f < frameStarts.length; f++) {
    const [a, b] = [frameStarts[f - 1]!, frameStarts[f]!];
    while (k < tasks.length && tasks[k]!.ts < a) k++;
    let work = 0;
    for (let m = k; m < tasks.length && tasks[m]!.ts < b; m++) work += threadTime(tasks[m]!);
    const gap = (b - a) / 1000;
    if (gap > longestGap) [longestGap, longestGapCpu] = [gap, work / 1000];
    if (gap >= 50) {
      longGaps++;
      longGapsMaxCpu = Math.max(longGapsMaxCpu, work / 1000);
    }
  }
  const span = tasks.length > 1 ? tasks.at(-1)!.ts + (tasks.at(-1)!.dur ?? 0) - tasks[0]!.ts : 0;
  return {
    frameP50: frameTimes.length ? percentile(frameTimes, 50) : 0,
    frameP95: frameTimes.length ? percentile(frameTimes, 95) : 0,
    frameMax: frameTimes.at(-1) ?? 0,
    frames: frameTimes.length,
    earlyFrameMax,
    busy: span > 0 ? cpu(tasks) / span : 0,
    longestGap,
    longestGapCpu,
    longGaps,
    longGapsMaxCpu,
  };
}
