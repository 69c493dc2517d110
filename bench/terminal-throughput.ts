/**
 * Terminal throughput: `cat` of a generated 50 MB file
 *   baseline: raw node-pty reads, data discarded
 *   aios:     node-pty → TerminalService (coalescing, flow control, secret
 *             redaction) → EventBus → @xterm/headless on a worker thread (the
 *             renderer is its own process in every host), acknowledging every
 *             ~5,000 parsed characters from xterm's write callback, exactly as
 *             the renderer does;
 *   the first again with flow control's previous watermarks (100,000 /
 *             5,000 characters), for comparison;
 *   and the same with xterm on the core's own thread, for comparison (there
 *             the parse and the pty read take turns).
 * Also xterm alone parsing the same text: the ceiling of any path ending in xterm.
 * Prints MB/s for each and the ratio to raw (target ≥ 0.8 for the first).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import { Worker } from 'node:worker_threads';
import * as pty from 'node-pty';
import { EventBus } from '../src/core/bridge/event-bus';
import { ACK_BATCH_CHARS } from '../src/core/terminal/flow-control';
import { SecretSet } from '../src/core/environment/redact';
import { TerminalService } from '../src/core/terminal/terminal-service';

const { Terminal } = xtermHeadless;
const SIZE_MB = Number(process.env.BENCH_MB ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function makeFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-')), 'big.txt');
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ\n';
  const block = line.repeat(Math.ceil((1024 * 1024) / line.length));
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < SIZE_MB; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return file;
}

function raw(file: string): Promise<{ ms: number; chars: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    let chars = 0;
    const p = pty.spawn('/bin/cat', [file], { cols: 120, rows: 40, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    p.onData((d) => (chars += d.length));
    p.onExit(() => resolve({ ms: performance.now() - start, chars }));
  });
}

/** Redaction on, as in aios: a provider key, the web host's secret and a token, none of which the output contains. */
function secrets(): SecretSet {
  const set = new SecretSet();
  set.add('sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd', 'n3Jq_X8vLr2TmW-9sKpB4yHc7DfZa1QeGu6VoNi0tEx', 'ghp_abcdEFGH1234ijklMNOP5678');
  return set;
}

/** The watermarks flow control had before it resumed at half the high one. */
const OLD_WATERMARKS = { high: 100_000, low: 5_000 };

function service(file: string, events: EventBus, watermarks?: { high: number; low: number }): TerminalService {
  return new TerminalService({
    ...(watermarks ? { watermarks } : {}),
    events,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() },
    shell: '/bin/cat',
    shellArgs: [file],
    secrets: secrets(),
  });
}

/** xterm on a worker thread: the core's thread reads, redacts and sends; another parses and acknowledges. */
function throughCoreToWorker(file: string, watermarks?: { high: number; low: number }): Promise<{ ms: number; chars: number }> {
  return new Promise((resolve) => {
    const events = new EventBus();
    const terminals = service(file, events, watermarks);
    const worker = new Worker(new URL('./lib/xterm-worker.mjs', import.meta.url), { workerData: { ack: ACK_BATCH_CHARS } });
    let chars = 0;
    const start = performance.now();
    const session = terminals.open({ cols: 120, rows: 40 });
    worker.on('message', (m: { ack: number; done?: boolean }) => {
      if (m.done) {
        const ms = performance.now() - start;
        terminals.dispose();
        void worker.terminate().then(() => resolve({ ms, chars }));
        return;
      }
      terminals.ack(session.id, m.ack);
    });
    events.on('terminal.data', ({ data }) => {
      chars += data.length;
      worker.postMessage({ data });
    });
    events.on('terminal.exit', ({ id }) => {
      if (id === session.id) worker.postMessage({ end: true });
    });
  });
}

function throughCore(file: string): Promise<{ ms: number; chars: number }> {
  return new Promise((resolve) => {
    const events = new EventBus();
    const service_ = service(file, events);
    const term = new Terminal({ cols: 120, rows: 40, scrollback: 1000, allowProposedApi: true });
    let chars = 0;
    let unacked = 0;
    let exited = false;
    let pendingWrites = 0;
    const start = performance.now();
    const finish = () => {
      if (exited && pendingWrites === 0) {
        const ms = performance.now() - start;
        term.dispose();
        service_.dispose();
        resolve({ ms, chars });
      }
    };
    const session = service_.open({ cols: 120, rows: 40 });
    events.on('terminal.data', ({ id, data }) => {
      chars += data.length;
      pendingWrites++;
      term.write(data, () => {
        pendingWrites--;
        unacked += data.length;
        if (unacked >= ACK_BATCH_CHARS) {
          service_.ack(id, unacked);
          unacked = 0;
        }
        finish();
      });
    });
    events.on('terminal.exit', ({ id }) => {
      if (id !== session.id) return;
      exited = true;
      finish();
    });
  });
}

/** xterm alone parsing the same file's text, written in 64 KiB pieces: the ceiling for any path that ends in xterm. */
async function xtermAlone(file: string): Promise<{ ms: number; chars: number }> {
  const text = fs.readFileSync(file, 'utf8').replaceAll('\n', '\r\n');
  const term = new Terminal({ cols: 120, rows: 40, scrollback: 1000, allowProposedApi: true });
  const start = performance.now();
  // At most 4 MiB queued at once: xterm throws away (and refuses) writes past 50 MB waiting to be parsed.
  const settled = () => new Promise<void>((resolve) => term.write('', resolve));
  for (let i = 0; i < text.length; i += 65536) {
    term.write(text.slice(i, i + 65536));
    if (i % (64 * 65536) === 0) await settled();
  }
  await settled();
  const ms = performance.now() - start;
  term.dispose();
  return { ms, chars: text.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const file = makeFile();
const bytes = fs.statSync(file).size;
const rawMs: number[] = [];
const coreMs: number[] = [];
const sameMs: number[] = [];
const xtermMs: number[] = [];
const oldMs: number[] = [];
let rawChars = 0;
let coreChars = 0;
let sameChars = 0;
// Interleaved, so load on the (shared) machine hits each alike.
for (let i = 0; i < RUNS; i++) {
  const r = await raw(file);
  rawMs.push(r.ms);
  rawChars = r.chars;
  const c = await throughCoreToWorker(file);
  coreMs.push(c.ms);
  coreChars = c.chars;
  oldMs.push((await throughCoreToWorker(file, OLD_WATERMARKS)).ms);
  const t = await throughCore(file);
  sameMs.push(t.ms);
  sameChars = t.chars;
  xtermMs.push((await xtermAlone(file)).ms);
}
fs.rmSync(path.dirname(file), { recursive: true, force: true });

const mb = bytes / 1024 / 1024;
const rawRate = mb / (median(rawMs) / 1000);
const coreRate = mb / (median(coreMs) / 1000);
const sameRate = mb / (median(sameMs) / 1000);
const xtermRate = mb / (median(xtermMs) / 1000);
const oldRate = mb / (median(oldMs) / 1000);
console.log(
  `terminal-throughput: cat of ${mb.toFixed(0)} MB, median of ${RUNS} runs (load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cpus)`,
);
console.log(
  `  raw node-pty read (baseline)               ${rawRate.toFixed(1).padStart(8)} MB/s  (${median(rawMs).toFixed(0)} ms, ${rawChars} chars)`,
);
console.log(
  `  aios core → xterm headless, its own thread ${coreRate.toFixed(1).padStart(8)} MB/s  (${median(coreMs).toFixed(0)} ms, ${coreChars} chars)`,
);
console.log(
  `  the same, watermarks ${OLD_WATERMARKS.high} / ${OLD_WATERMARKS.low} (before)${oldRate.toFixed(1).padStart(8)} MB/s  (${median(oldMs).toFixed(0)} ms; ${(oldRate / rawRate).toFixed(2)} of raw)`,
);
console.log(
  `  aios core → xterm headless, same thread    ${sameRate.toFixed(1).padStart(8)} MB/s  (${median(sameMs).toFixed(0)} ms, ${sameChars} chars)`,
);
console.log(
  `  xterm headless alone, same text (ceiling) ${xtermRate.toFixed(1).padStart(8)} MB/s  (${median(xtermMs).toFixed(0)} ms; ${(xtermRate / rawRate).toFixed(2)} of raw)`,
);
console.log(
  `  ratio aios/raw                             ${(coreRate / rawRate).toFixed(2).padStart(8)}   (target ≥ 0.80; same thread ${(sameRate / rawRate).toFixed(2)})`,
);
if (coreChars !== rawChars || sameChars !== rawChars)
  console.log(`  WARNING: character counts differ (${coreChars}, ${sameChars} vs ${rawChars})`);
