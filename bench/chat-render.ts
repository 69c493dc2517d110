/**
 * Chat render: in Chromium, against a real `aios web`, stream 2,000 tokens
 * (one SSE chunk each) into
 *   baseline: an empty conversation
 *   loaded:   a conversation already holding 5,000 messages, written into the
 *             memory file through the core's ConversationStore
 * and record every frame interval in the page (requestAnimationFrame, plus
 * long-animation-frame / longtask entries where Chromium offers them), from
 * Enter until a second after the stream's end shows (the work left then,
 * such as Markdown still to parse, counts).
 *   long:     one answer of 5 MB (BENCH_LONG_MB), paced by the server at
 *             BENCH_LONG_RATE bytes/s, into an empty conversation
 * Prints the longest frame, p95 frame and send → end-of-stream time of each,
 * the ratios against the baseline, whether the longest frame is under 50 ms,
 * for the long answer the end of the stream on the page against the time the
 * server took to send it (target: within 2×), and the slowest answer the page
 * gave a script call while the long answer streamed.
 *
 * With BENCH_TRACE=1 each stream is also traced (Chrome DevTools
 * Protocol `Tracing`, which costs the page a little) for the page's
 * main-thread CPU time per frame: on a machine shared with other jobs a
 * frame's wall-clock length includes the time the thread waited for a core.
 * It also prints the longest gap between two frames and the main-thread work
 * inside it, which tells a page that worked from one that waited.
 *
 * Needs the built app (npx electron-vite build). Tunable by environment:
 * BENCH_MESSAGES, BENCH_TOKENS, BENCH_CHUNK_DELAY_MS, BENCH_RUNS, BENCH_LONG_MB, BENCH_LONG_RATE, BENCH_TRACE, BENCH_TRACE_DIR, BENCH_PROFILE_DIR, BENCH_LONG_ONLY.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { assertBuilt, isolatedEnv, launchAiosWeb, tempHome, withParams, type RunningAiosWeb } from '../e2e/aios-web';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../e2e/browser';
import { writeConfig } from '../e2e/config-file';
import { COLLECT_PROBE, INSTALL_PROBE, STREAM_ENDED, type ProbeResult } from './lib/frame-probe';
import { EARLY_MS, startTrace, type MainThreadCpu } from './lib/main-thread-cpu';
import { historyLength, seedConversation } from './lib/seed-conversation';
import { mulberry32, percentile } from './lib/stats';
import { startTokenServer, type TokenServer } from './lib/token-llm-server';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5000);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 2000);
const CHUNK_DELAY_MS = Number(process.env.BENCH_CHUNK_DELAY_MS ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LONG_MB = Number(process.env.BENCH_LONG_MB ?? 5);
const LONG_RATE = Number(process.env.BENCH_LONG_RATE ?? 400_000);
const TARGET_MS = 50;
/** Frames measured after the stream's end on the page (work left over, such as Markdown still to parse). */
const SETTLE_MS = 1000;
/** BENCH_TRACE=1: also trace each stream (Chrome's Tracing) for the page's main-thread CPU time per frame. */
const TRACE = process.env.BENCH_TRACE === '1';
/** BENCH_TRACE_DIR=D: write each stream's whole trace (script, GC, layout, paint) to a file in D. */
const TRACE_DIR = process.env.BENCH_TRACE_DIR;
/** BENCH_PROFILE_DIR=D: write each stream's JavaScript CPU profile (DevTools' .cpuprofile) to D. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;

async function startProfile(cdp: CDPSession, dir: string, label: string): Promise<() => Promise<void>> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    fs.writeFileSync(path.join(dir, `chat-render-${label.replace(/\W+/g, '-')}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
  };
}
const END_MARK = 'END-OF-STREAM';
const LONG_ONLY = process.env.BENCH_LONG_ONLY === '1';

/** Mostly prose, with paragraph breaks, list items and one code block, like a real answer. */
function makeTokens(n: number): string[] {
  const rand = mulberry32(2000);
  const words = 'the service restarted after the package update and the log shows no error in the kernel or network'.split(' ');
  const out: string[] = [];
  for (let i = 0; i < n - 1; i++) {
    const r = rand();
    if (i === Math.floor(n / 2)) out.push('\n\n```sh\nsystemctl status sshd\n```\n\n');
    else if (r < 0.03) out.push('\n\n');
    else if (r < 0.05) out.push('\n- ');
    else if (r < 0.06) out.push(' **bold**');
    else out.push(` ${words[Math.floor(rand() * words.length)]!}`);
  }
  out.push(` ${END_MARK}`);
  return out;
}

/** About `bytes` of prose in sentence-sized chunks (a fast model's pieces), ending in the mark. */
function makeLongTokens(bytes: number): string[] {
  const pieces = makeTokens(4000);
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const t = pieces
      .slice((i * 8) % 3992, ((i * 8) % 3992) + 8)
      .join('')
      .replace(END_MARK, '');
    out.push(t);
    size += t.length;
  }
  out.push(` ${END_MARK}`);
  return out;
}

interface CaseSpec {
  label: string;
  server: TokenServer;
  /** Messages written into the memory file before `aios web` starts. */
  stored: number;
  /** Rows the page must hold (restored by chat.state) before the stream. */
  rows: number;
}

interface CaseResult {
  spec: CaseSpec;
  historyMessages: number;
  loadedRows: number;
  loadMs: number;
  idleLongest: number;
  longest: number;
  p95: number;
  frames: number;
  /** Frames over the target, and where in the stream the longest one fell (0 = send, 1 = end). */
  overTarget: number;
  longestAt: number;
  /** How long the answer was (characters the page held) at the longest frame: early frames differ from late ones. */
  longestAtChars: number;
  totalMs: number;
  loafMax: number | undefined;
  longtaskMax: number | undefined;
  /** What the server took to send the answer. */
  streamMs: number;
  /** The slowest round trip of a script call into the page while it streamed. */
  slowestCallMs: number;
  answerChars: number;
  /** The page's main-thread CPU time per frame (BENCH_TRACE=1). */
  cpu?: MainThreadCpu;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls a script expression (not waitForFunction: the page's CSP forbids its eval). */
async function until(page: Page, expression: string, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Calls into the page every 200 ms until `stop` resolves; the slowest answer. */
async function callLatency(page: Page, stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => (done = true));
  let worst = 0;
  while (!done) {
    const t = performance.now();
    await page.evaluate('1');
    worst = Math.max(worst, performance.now() - t);
    await new Promise((r) => setTimeout(r, 200));
  }
  return worst;
}

async function measure(browser: Browser, spec: CaseSpec): Promise<CaseResult> {
  const server = spec.server;
  const home = tempHome('aios-bench-chat-');
  const work = path.join(home, 'work');
  fs.mkdirSync(work);
  let web: RunningAiosWeb | undefined;
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  try {
    writeConfig(home, { ai: { base_url: server.baseUrl, model: 'bench', request_timeout_s: 300 }, permissions: {} });
    const env = isolatedEnv(home);
    if (spec.stored > 0) seedConversation(env, spec.stored);
    const historyMessages = await historyLength(env, work);
    web = await launchAiosWeb({ home, cwd: work, env: { OLLAMA_HOST: '127.0.0.1:9' } });
    const page = await context.newPage();

    const t0 = performance.now();
    await page.goto(withParams(web.url, { bench: '1' }));
    // The login link answers with a page that moves on to the app: wait for that navigation first.
    await page.waitForURL((u) => !u.searchParams.has('ticket'));
    await page.waitForLoadState('load');
    await until(
      page,
      `(window.__aiosChatStats?.messages ?? -1) >= ${historyMessages}`,
      180_000,
      `the page to hold ${historyMessages} restored messages`,
    );
    const restored = (await page.evaluate('window.__aiosChatStats.messages')) as number;
    if (restored < spec.rows) throw new Error(`chat.state restored ${restored} rows, fewer than the ${spec.rows} stored`);
    const loadMs = performance.now() - t0;
    const loadedRows = (await page.evaluate('window.__aiosChatStats.messages')) as number;
    const input = page.getByTestId('composer').getByRole('textbox', { name: 'Message' });
    await input.waitFor({ state: 'visible' });

    await page.evaluate(INSTALL_PROBE);
    await input.fill('stream the benchmark answer');
    // A second of idle frames first: what this browser and machine manage with nothing to do.
    await new Promise((r) => setTimeout(r, 1000));
    const dumpTo = TRACE_DIR ? path.join(TRACE_DIR, `chat-render-${spec.label.replace(/\W+/g, '-')}-${Date.now()}.json`) : undefined;
    const stopTrace = TRACE || dumpTo ? await startTrace(await context.newCDPSession(page), dumpTo) : undefined;
    const stopProfile = PROFILE_DIR ? await startProfile(await context.newCDPSession(page), PROFILE_DIR, spec.label) : undefined;
    await input.press('Enter');
    const ended = withTimeout(page.evaluate(STREAM_ENDED), 600_000, 'the stream to end');
    const slowestCallMs = await callLatency(page, ended);
    await ended;
    // The frames just after the end count too: what the page still does then (Markdown left to parse) is part of showing it.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const cpu = await stopTrace?.();
    await stopProfile?.();
    const probe = (await page.evaluate(COLLECT_PROBE)) as ProbeResult;
    const last = page.locator('[data-testid="message"][data-role="assistant"]').last();
    if (!(await last.innerText()).includes(END_MARK))
      throw new Error(`the stream ended but the last answer does not show its final token "${END_MARK}"`);
    if (probe.startAt === 0) throw new Error('the probe saw no Enter keydown');
    const answerChars = (await page.evaluate('window.__aiosChatStats.lastChars')) as number;

    const inWindow = (t: number) => t > probe.startAt && t <= probe.endAt + SETTLE_MS;
    const during = probe.frames.filter(([t]) => inWindow(t));
    const intervals = during.map(([, dt]) => dt).sort((a, b) => a - b);
    const longestFrame = during.reduce<[number, number, number] | undefined>((a, f) => (a === undefined || f[1] > a[1] ? f : a), undefined);
    const idle = probe.frames.filter(([t]) => t <= probe.startAt).map(([, dt]) => dt);
    const max = (xs: Array<[number, number, ...number[]]>) => Math.max(0, ...xs.filter(([t]) => inWindow(t)).map(([, d]) => d));
    return {
      spec,
      historyMessages,
      loadedRows,
      loadMs,
      idleLongest: Math.max(0, ...idle),
      longest: intervals.at(-1) ?? 0,
      p95: intervals.length > 0 ? percentile(intervals, 95) : 0,
      frames: intervals.length,
      overTarget: intervals.filter((d) => d >= TARGET_MS).length,
      longestAt: longestFrame ? (longestFrame[0] - probe.startAt) / (probe.endAt - probe.startAt) : 0,
      longestAtChars: longestFrame?.[2] ?? 0,
      totalMs: probe.endAt - probe.startAt,
      loafMax: probe.supported.includes('long-animation-frame') ? max(probe.loaf) : undefined,
      longtaskMax: probe.supported.includes('longtask') ? max(probe.longtasks) : undefined,
      streamMs: server.lastStreamMs(),
      slowestCallMs,
      answerChars,
      ...(cpu ? { cpu } : {}),
    };
  } finally {
    await context.close();
    await web?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (chars: number) => (chars >= 1e6 ? `${(chars / 1e6).toFixed(2)} MB` : `${(chars / 1e3).toFixed(0)} KB`);
const ms = (x: number | undefined) => (x === undefined ? '    n/a' : `${x.toFixed(1).padStart(7)} ms`);

function line(r: CaseResult): string {
  const cpu = r.cpu
    ? `\n            main-thread CPU per frame: p50 ${ms(r.cpu.frameP50)}  p95 ${ms(r.cpu.frameP95)}  max ${ms(r.cpu.frameMax)} (first ${EARLY_MS / 1000} s: ${ms(r.cpu.earlyFrameMax)}) over ${r.cpu.frames} frames; thread busy ${(r.cpu.busy * 100).toFixed(0)}% of the stream` +
      `\n            longest gap between frames ${ms(r.cpu.longestGap)} holding ${ms(r.cpu.longestGapCpu)} of main-thread work; ${r.cpu.longGaps} gaps ≥ ${TARGET_MS} ms, the busiest holding ${ms(r.cpu.longGapsMaxCpu)}`
    : '';
  return `  ${r.spec.label.padEnd(9)} longest ${ms(r.longest)}  p95 ${ms(r.p95)}  total ${ms(r.totalMs)}  frames ${String(r.frames).padStart(4)} (${String(r.overTarget).padStart(3)} ≥ ${TARGET_MS} ms, longest at ${Math.round(r.longestAt * 100)}%, answer at ${kb(r.longestAtChars)})  LoAF max ${ms(r.loafMax)}  longtask max ${ms(r.longtaskMax)}  idle longest ${ms(r.idleLongest)}  rows ${r.loadedRows}${cpu}`;
}

if (Number(process.versions.node.split('.')[0]) < 22) {
  // better-sqlite3's prebuilt binary crashes the system Node 20 (seeding opens the memory file).
  console.error(
    `chat-render: Node ${process.versions.node} is too old; run it as \`npm run bench -- chat-render\` (Node 24 from node_modules/.bin)`,
  );
  process.exit(1);
}
assertBuilt();
const server = await startTokenServer(makeTokens(TOKENS), CHUNK_DELAY_MS);
const longTokens = makeLongTokens(LONG_MB * 1_000_000);
const longServer = await startTokenServer(longTokens, 0, LONG_RATE);
const ALL_CASES: CaseSpec[] = [
  { label: 'empty', server, stored: 0, rows: 0 },
  { label: `${MESSAGES} rows`, server, stored: MESSAGES, rows: MESSAGES },
  { label: `${LONG_MB} MB`, server: longServer, stored: 0, rows: 0 },
];
// BENCH_LONG_ONLY=1: only the long answer (the 2,000-token cases are its baseline otherwise).
const CASES = LONG_ONLY ? ALL_CASES.slice(2) : ALL_CASES;
const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_ARGS] });
const results = new Map<string, CaseResult[]>(CASES.map((c) => [c.label, []]));
try {
  console.log(
    `chat-render: ${TOKENS} tokens, one SSE chunk each (${CHUNK_DELAY_MS} ms apart), Chromium ${browser.version()}, ${RUNS} run(s)`,
  );
  for (let run = 1; run <= RUNS; run++) {
    console.log(`run ${run} (load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cpus)`);
    for (const c of CASES) {
      const r = await measure(browser, c);
      results.get(c.label)!.push(r);
      console.log(line(r));
    }
  }
} finally {
  await browser.close();
  await server.close();
  await longServer.close();
}

const [empty, full, long] = ALL_CASES.map((c) => results.get(c.label) ?? []) as [CaseResult[], CaseResult[], CaseResult[]];
const first = (rs: CaseResult[]) => rs[0]!;
const med = (rs: CaseResult[], k: 'longest' | 'p95' | 'totalMs') => median(rs.map((r) => r[k]));
const verdict = (x: number) => (x < TARGET_MS ? 'met' : 'NOT met');
if (!LONG_ONLY) {
  console.log('cases:');
  console.log(`  empty     a new conversation`);
  console.log(
    `  ${full[0]!.spec.label.padEnd(9)} ${MESSAGES} messages written to the memory file through ConversationStore, restored by chat.state (${first(full).historyMessages} messages, ${first(full).loadedRows} rows)`,
  );
  console.log(`medians over ${RUNS} run(s)          empty   ${full[0]!.spec.label.padStart(9)}   ratio ${full[0]!.spec.label} / empty`);
  for (const [label, k] of [
    ['longest frame', 'longest'],
    ['p95 frame', 'p95'],
    ['send → end of stream', 'totalMs'],
  ] as const) {
    const a = med(empty, k);
    console.log(`  ${label.padEnd(22)} ${ms(a)} ${ms(med(full, k))}   ${(med(full, k) / a).toFixed(2).padStart(6)}`);
  }
  const worst = Math.max(...full.map((r) => r.longest));
  const idleWorst = Math.max(...[...empty, ...full].map((r) => r.idleLongest));
  console.log(`  longest idle frame before any stream (this machine's floor): ${idleWorst.toFixed(1)} ms`);
  const typical = med(full, 'longest');
  console.log(
    `  target: longest frame < ${TARGET_MS} ms while streaming into ${MESSAGES} rows: median run ${typical.toFixed(1)} ms ${verdict(typical)}; worst run ${worst.toFixed(1)} ms ${verdict(worst)}`,
  );
}

const longest = med(long, 'longest');
const longWorst = Math.max(...long.map((r) => r.longest));
const lr = long.map((r) => r.totalMs / r.streamMs);
const ratio = median(lr);
const slowCall = Math.max(...long.map((r) => r.slowestCallMs));
const baseCall = empty.length > 0 ? Math.max(...empty.map((r) => r.slowestCallMs)) : undefined;
const emptyLongest = empty.length > 0 ? med(empty, 'longest') : undefined;
console.log(
  `long answer: ${(first(long).answerChars / 1e6).toFixed(2)} MB in ${longTokens.length} chunks, sent at ${LONG_RATE / 1000} KB/s`,
);
console.log(
  `  longest frame ${ms(longest)} (empty: ${ms(emptyLongest)}, ratio ${emptyLongest ? (longest / emptyLongest).toFixed(2) : 'n/a'}): ${verdict(longest)}; worst run ${ms(longWorst)}: ${verdict(longWorst)}`,
);
console.log(
  `  page shows the end ${ms(med(long, 'totalMs'))} after send; the server took ${ms(median(long.map((r) => r.streamMs)))}: ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? 'met' : 'NOT met'})`,
);
console.log(`  slowest script call during the stream ${ms(slowCall)} (empty: ${ms(baseCall)})`);
const traced = long.flatMap((r) => (r.cpu ? [r.cpu] : []));
if (traced.length > 0) {
  // What the page itself did in its worst gap between frames: under the target, a long frame was the machine's, not the page's.
  const work = Math.max(...traced.map((c) => Math.max(c.longGapsMaxCpu, c.frameMax)));
  console.log(
    `  the page's own work: at most ${ms(work)} of main-thread time in one frame or one gap between frames over ${traced.length} run(s) (< ${TARGET_MS} ms: ${verdict(work)}); longest frames by wall clock above are that plus waiting`,
  );
}
