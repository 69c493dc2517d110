/**
 * The page's main-thread CPU time per frame, from a Chrome trace (DevTools
 * Protocol `Tracing`). A frame's wall-clock length on a machine shared with
 * other jobs says as much about the other jobs as about the page; the thread
 * time of the task that ran the frame says what the page itself cost.
 */
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
  /** Thread time of every main-thread task over the traced span's length. */
  busy: number;
}

// RunTask (with thread time) is in the timeline's detailed category; a frame's task holds ProxyMain::BeginMainFrame.
const CATEGORIES = ['disabled-by-default-devtools.timeline', 'benchmark'];

export async function startTrace(cdp: CDPSession): Promise<() => Promise<MainThreadCpu>> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (d) => {
    for (const e of d.value as unknown as TraceEvent[]) if (e.ph === 'X' || e.ph === 'M') events.push(e);
  });
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES }, transferMode: 'ReportEvents' });
  return async () => {
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await complete;
    return summarise(events);
  };
}

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
  const cpu = (list: TraceEvent[]) => list.reduce((a, e) => a + (e.name === 'RunTask' ? (e.tdur ?? 0) : 0), 0);
  const main = [...byThread.values()].sort((a, b) => cpu(b) - cpu(a))[0] ?? [];
  const tasks = main.filter((e) => e.name === 'RunTask' && e.tdur !== undefined).sort((a, b) => a.ts - b.ts);
  const frameStarts = main.filter((e) => e.name === 'ProxyMain::BeginMainFrame').map((e) => e.ts);
  frameStarts.sort((a, b) => a - b);
  const frameTimes: number[] = [];
  let j = 0;
  for (const t of tasks) {
    while (j < frameStarts.length && frameStarts[j]! < t.ts) j++;
    if (j < frameStarts.length && frameStarts[j]! <= t.ts + (t.dur ?? 0)) frameTimes.push(t.tdur! / 1000);
  }
  frameTimes.sort((a, b) => a - b);
  const span = tasks.length > 1 ? tasks.at(-1)!.ts + (tasks.at(-1)!.dur ?? 0) - tasks[0]!.ts : 0;
  return {
    frameP50: frameTimes.length ? percentile(frameTimes, 50) : 0,
    frameP95: frameTimes.length ? percentile(frameTimes, 95) : 0,
    frameMax: frameTimes.at(-1) ?? 0,
    frames: frameTimes.length,
    busy: span > 0 ? cpu(tasks) / span : 0,
  };
}
