/**
 * Terminal throughput: `cat` of a generated 50 MB file
 *   baseline: raw node-pty reads, data discarded (what the core's pty read
 *             alone costs), decoded to strings as aios reads and as bytes
 *             (`encoding: null`); the faster of the two is the baseline;
 *   aios:     node-pty → TerminalService (coalescing, flow control, secret
 *             redaction) → EventBus → the bridge's own framing
 *             (serveCorePort: `{type:'event', name:'terminal.data', payload}`
 *             frames over a MessagePort, as the core's utility process talks
 *             to the window) → @xterm/headless on a worker thread set up as
 *             the pane (the renderer is its own process in every host),
 *             written the UTF-8 bytes of each frame as the pane writes them,
 *             which acknowledges every ~5,000 parsed bytes from xterm's write
 *             callback with a `terminal.ack` call frame that goes through the
 *             contract's validation (dispatchCall), exactly as the page does
 *             (one renderer thread for every run, warmed up first: the
 *             core's side runs warm in this long-lived thread too);
 *   the floor of any core in between: node-pty's bytes coalesced into the
 *             same frames and sent over the same port to the same xterm
 *             thread, with the same flow control, and nothing else (no
 *             redaction, no scrollback, no bridge): what the aios path can
 *             at best reach on this machine, where xterm's thread shares two
 *             CPUs with the core's and the producer;
 *   and the same with xterm on the core's own thread, for comparison (there
 *             the parse and the pty read take turns).
 * Also xterm alone parsing the same text, as strings and as UTF-8 bytes: the
 * ceiling of any path ending in xterm.
 * Prints MB/s for each, the ratio to raw (target ≥ 0.8 for the first), and
 * the CPU time of the core's thread and of the renderer's thread per run,
 * which other jobs on a shared machine sway less than the wall clock; how
 * long xterm waited for data, and how long each thread waited for a CPU
 * (Linux's schedstat), which is where the rest of the wall clock goes.
 *
 * Options: --watermarks HIGH,LOW (flow control's, in bytes; to compare);
 * --only-aios (the raw reads, the aios path and its floor only, e.g. to profile it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import { connectClient } from '../src/core/bridge/client';
import type { Handlers } from '../src/core/bridge/dispatch';
import { EventBus } from '../src/core/bridge/event-bus';
import type { CorePort } from '../src/core/bridge/ports';
import { serveCorePort } from '../src/core/bridge/serve-port';
import type { Core } from '../src/core/core';
import { SecretSet } from '../src/core/environment/redact';
import { ACK_BATCH_CHARS, FlowController } from '../src/core/terminal/flow-control';
import { COALESCE_MAX_CHARS, TerminalService } from '../src/core/terminal/terminal-service';

const { Terminal } = xtermHeadless;
const SIZE_MB = Number(process.env.BENCH_MB ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const watermarksArg = process.argv.indexOf('--watermarks');
const WATERMARKS = watermarksArg === -1 ? undefined : parseWatermarks(process.argv[watermarksArg + 1]);
const ONLY_AIOS = process.argv.includes('--only-aios');

function parseWatermarks(arg: string | undefined): { high: number; low: number } {
  const [high, low] = (arg ?? '').split(',').map(Number);
  if (!high || low === undefined || !(low < high)) throw new Error('--watermarks HIGH,LOW: two numbers of characters, LOW below HIGH');
  return { high, low };
}

function makeFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-')), 'big.txt');
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ\n';
  const block = line.repeat(Math.ceil((1024 * 1024) / line.length));
  const fd = fs.openSync(file, 'w');
  for (let i = 0; i < SIZE_MB; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  return file;
}

interface Run {
  ms: number;
  chars: number;
  /** CPU time of this (the core's) thread during the run. */
  coreCpuMs: number;
  /** CPU time of the renderer's thread (xterm), where there is one. */
  rendererCpuMs?: number;
  /** How long xterm there had parsed all it was sent and waited for more. */
  starvedMs?: number;
  /** How long xterm's thread could have run but waited for a CPU (other threads and processes had them). */
  runQueueMs?: number;
  /** The same for the core's thread. */
  coreRunQueueMs?: number;
}

/** How long this thread has waited for a CPU while it could run (Linux's schedstat), in ms; 0 where unknown. */
function runQueueMs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

function threadCpuMs(): number {
  const c = process.threadCpuUsage();
  return (c.user + c.system) / 1000;
}

/**
 * node-pty reading as aios does (decoded to strings), or as bytes (`encoding:
 * null`, no decoding): both are printed and the faster is the baseline the
 * ratio is judged against.
 */
function raw(file: string, encoding: 'utf8' | null): Promise<Run> {
  return new Promise((resolve) => {
    const cpu = threadCpuMs();
    const start = performance.now();
    let chars = 0;
    const p = pty.spawn('/bin/cat', [file], { cols: 120, rows: 40, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding });
    // With `encoding: null` node-pty hands over Buffers (its typings say string either way).
    p.onData((d: string | Buffer) => (chars += d.length));
    p.onExit(() => resolve({ ms: performance.now() - start, chars, coreCpuMs: threadCpuMs() - cpu }));
  });
}

/** Redaction on, as in aios: a provider key, the web host's secret and a token, none of which the output contains. */
function secrets(): SecretSet {
  const set = new SecretSet();
  set.add('sk-proj-Q7vT2mXw9LpK4sRb8NcY1hZe6UaJ3fGd', 'n3Jq_X8vLr2TmW-9sKpB4yHc7DfZa1QeGu6VoNi0tEx', 'ghp_abcdEFGH1234ijklMNOP5678');
  return set;
}

function service(file: string, events: EventBus): TerminalService {
  return new TerminalService({
    ...(WATERMARKS ? { watermarks: WATERMARKS } : {}),
    events,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() },
    shell: '/bin/cat',
    shellArgs: [file],
    secrets: secrets(),
  });
}

/** A worker_threads MessagePort as the core sees an Electron MessagePortMain (whose events carry `data`). */
function asCorePort(port: MessagePort): CorePort {
  return {
    on(event: 'message' | 'close', listener: (e: { data: unknown }) => void) {
      if (event === 'message') port.on('message', (data: unknown) => listener({ data }));
      else port.on('close', () => listener({ data: undefined }));
      return port;
    },
    postMessage: (m: unknown) => port.postMessage(m),
    start: () => port.start(),
    close: () => port.close(),
  } as CorePort;
}

/** The renderer's thread (one for every run, as one renderer opens pane after pane), started and warmed up. */
async function startRenderer(): Promise<Worker> {
  const worker = new Worker(new URL('./lib/xterm-worker.mjs', import.meta.url), { workerData: { ack: ACK_BATCH_CHARS } });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { started?: boolean }) => (m.started ? resolve() : reject(new Error('renderer thread did not start'))));
  });
  return worker;
}

/** The core's thread reads, redacts and frames; the renderer's thread parses and acknowledges over the port. */
function throughBridgeToWorker(file: string, worker: Worker): Promise<Run> {
  return new Promise((resolve) => {
    const events = new EventBus();
    const terminals = service(file, events);
    // The core's terminal calls, as src/core/core.ts answers them.
    const handlers = {
      'terminal.ack': (req, ctx) => (terminals.ack(req.id, req.chars, ctx.clientId), null),
    } as Partial<Handlers> as Handlers;
    const core = { connect: (clientId: string, onEvent) => connectClient({ handlers, events, terminals }, clientId, onEvent) } as Pick<
      Core,
      'connect'
    > as Core;
    const { port1, port2 } = new MessageChannel();
    const clientId = 'bench-window';
    const stop = serveCorePort(core, asCorePort(port1), clientId);
    let chars = 0;
    let start = 0;
    let cpu = 0;
    let queued = 0;
    events.on('terminal.data', ({ data }) => (chars += data.length));
    const onMessage = (m: { ready?: boolean; done?: boolean; cpuMs?: number; starvedMs?: number; runQueueMs?: number }) => {
      if (m.ready) {
        cpu = threadCpuMs();
        queued = runQueueMs();
        start = performance.now();
        terminals.open({ cols: 120, rows: 40 }, clientId);
        return;
      }
      if (!m.done) return;
      const ms = performance.now() - start;
      const coreCpuMs = threadCpuMs() - cpu;
      const coreRunQueueMs = runQueueMs() - queued;
      worker.off('message', onMessage);
      terminals.dispose();
      stop();
      resolve({
        ms,
        chars,
        coreCpuMs,
        rendererCpuMs: m.cpuMs ?? 0,
        starvedMs: m.starvedMs ?? 0,
        runQueueMs: m.runQueueMs ?? 0,
        coreRunQueueMs,
      });
    };
    worker.on('message', onMessage);
    worker.postMessage({ port: port2 }, [port2]);
  });
}

/** node-pty's bytes, coalesced as TerminalService does and posted to the renderer's thread, and nothing else: the floor. */
function forwardedToWorker(file: string, worker: Worker): Promise<Run> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    let p: pty.IPty | undefined;
    let flow: FlowController | undefined;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    let chars = 0;
    let start = 0;
    let cpu = 0;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (pendingBytes === 0) return;
      const data = new Uint8Array(pendingBytes);
      let at = 0;
      for (const b of pending) data.set(b, (at += b.length) - b.length);
      pending = [];
      pendingBytes = 0;
      chars += data.length;
      flow!.sent(data.length);
      port1.postMessage({ type: 'event', name: 'terminal.data', payload: { id: 'floor', data } });
    };
    port1.on('message', (m: { type?: string; payload?: { chars: number } }) => {
      if (m.type === 'call' && m.payload) flow?.acknowledged('', m.payload.chars);
    });
    const onMessage = (m: { ready?: boolean; done?: boolean; cpuMs?: number; starvedMs?: number; runQueueMs?: number }) => {
      if (m.ready) {
        cpu = threadCpuMs();
        start = performance.now();
        p = pty.spawn('/bin/cat', [file], { cols: 120, rows: 40, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: null });
        flow = new FlowController(p, WATERMARKS?.high, WATERMARKS?.low);
        flow.attach('');
        p.onData((d: string | Buffer) => {
          pending.push(d as Buffer);
          pendingBytes += d.length;
          if (pendingBytes >= COALESCE_MAX_CHARS) flush();
          else timer ??= setTimeout(flush, 4);
        });
        p.onExit(() => {
          flush();
          port1.postMessage({ type: 'event', name: 'terminal.exit', payload: { id: 'floor', exitCode: 0 } });
        });
        return;
      }
      if (!m.done) return;
      worker.off('message', onMessage);
      port1.close();
      resolve({
        ms: performance.now() - start,
        chars,
        coreCpuMs: threadCpuMs() - cpu,
        rendererCpuMs: m.cpuMs ?? 0,
        starvedMs: m.starvedMs ?? 0,
        runQueueMs: m.runQueueMs ?? 0,
      });
    };
    worker.on('message', onMessage);
    worker.postMessage({ port: port2 }, [port2]);
  });
}

function throughCore(file: string): Promise<Run> {
  return new Promise((resolve) => {
    const events = new EventBus();
    const service_ = service(file, events);
    const term = new Terminal({ cols: 120, rows: 40, scrollback: 10_000, allowProposedApi: true });
    let chars = 0;
    let unacked = 0;
    let exited = false;
    let pendingWrites = 0;
    const cpu = threadCpuMs();
    const start = performance.now();
    const finish = () => {
      if (exited && pendingWrites === 0) {
        const ms = performance.now() - start;
        term.dispose();
        service_.dispose();
        resolve({ ms, chars, coreCpuMs: threadCpuMs() - cpu });
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

/**
 * xterm alone parsing the same file's text, written in 64 KiB pieces as
 * strings or as UTF-8 bytes (what aios sends): the ceiling for any path that
 * ends in xterm.
 */
async function xtermAlone(file: string, as: 'string' | 'bytes'): Promise<{ ms: number; chars: number }> {
  const text = fs.readFileSync(file, 'utf8').replaceAll('\n', '\r\n');
  const bytes = new TextEncoder().encode(text);
  const term = new Terminal({ cols: 120, rows: 40, scrollback: 10_000, allowProposedApi: true });
  const start = performance.now();
  // At most 4 MiB queued at once: xterm throws away (and refuses) writes past 50 MB waiting to be parsed.
  const settled = () => new Promise<void>((resolve) => term.write('', resolve));
  for (let i = 0; i < text.length; i += 65536) {
    term.write(as === 'string' ? text.slice(i, i + 65536) : bytes.slice(i, i + 65536));
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
type Path = 'raw' | 'rawBytes' | 'aios' | 'floor' | 'same' | 'xterm' | 'xtermBytes';
const runs: Record<Path, Run[]> = { raw: [], rawBytes: [], aios: [], floor: [], same: [], xterm: [], xtermBytes: [] };
const renderer = await startRenderer();
// Interleaved, so load on the (shared) machine hits each alike.
for (let i = 0; i < RUNS; i++) {
  runs.raw.push(await raw(file, 'utf8'));
  runs.rawBytes.push(await raw(file, null));
  runs.aios.push(await throughBridgeToWorker(file, renderer));
  runs.floor.push(await forwardedToWorker(file, renderer));
  if (ONLY_AIOS) continue;
  runs.same.push(await throughCore(file));
  runs.xterm.push({ ...(await xtermAlone(file, 'string')), coreCpuMs: 0 });
  runs.xtermBytes.push({ ...(await xtermAlone(file, 'bytes')), coreCpuMs: 0 });
}
await renderer.terminate();
fs.rmSync(path.dirname(file), { recursive: true, force: true });

const mb = bytes / 1024 / 1024;
const ms = (k: Path) => median(runs[k].map((r) => r.ms));
const rate = (k: Path) => mb / (ms(k) / 1000);
// Judged against the stricter of the two raw reads.
const baseline: Path = rate('rawBytes') > rate('raw') ? 'rawBytes' : 'raw';
const cpu = (k: Path, f: (r: Run) => number) => median(runs[k].map(f)).toFixed(0);
const line = (label: string, k: Path, extra: string) =>
  console.log(
    `  ${label.padEnd(46)}${rate(k).toFixed(1).padStart(8)} MB/s  (${ms(k).toFixed(0)} ms; ${(rate(k) / rate(baseline)).toFixed(2)} of raw${extra})`,
  );
console.log(
  `terminal-throughput: cat of ${mb.toFixed(0)} MB, median of ${RUNS} runs (load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cpus)` +
    (WATERMARKS ? `, watermarks ${WATERMARKS.high} / ${WATERMARKS.low}` : ''),
);
const mark = (k: Path) => (k === baseline ? ' (baseline)' : '');
line(`raw node-pty read, strings as aios${mark('raw')}`, 'raw', `; its thread's CPU ${cpu('raw', (r) => r.coreCpuMs)} ms`);
line(`raw node-pty read, bytes${mark('rawBytes')}`, 'rawBytes', `; its thread's CPU ${cpu('rawBytes', (r) => r.coreCpuMs)} ms`);
line(
  'aios core → bridge → xterm on its own thread',
  'aios',
  `; CPU: core ${cpu('aios', (r) => r.coreCpuMs)} ms, xterm's thread ${cpu('aios', (r) => r.rendererCpuMs ?? 0)} ms; xterm waited for data ${cpu('aios', (r) => r.starvedMs ?? 0)} ms; waited for a CPU: xterm's thread ${cpu('aios', (r) => r.runQueueMs ?? 0)} ms, the core's ${cpu('aios', (r) => r.coreRunQueueMs ?? 0)} ms`,
);
line(
  'floor: bytes forwarded, nothing else',
  'floor',
  `; CPU: core ${cpu('floor', (r) => r.coreCpuMs)} ms, xterm's thread ${cpu('floor', (r) => r.rendererCpuMs ?? 0)} ms; xterm waited for a CPU ${cpu('floor', (r) => r.runQueueMs ?? 0)} ms`,
);
if (!ONLY_AIOS) {
  line('aios core → xterm on the same thread', 'same', `; CPU ${cpu('same', (r) => r.coreCpuMs)} ms`);
  line('xterm headless alone, text as strings', 'xterm', '');
  line('xterm headless alone, UTF-8 bytes (ceiling)', 'xtermBytes', '');
}
console.log(
  `  ratio aios/raw ${(rate('aios') / rate(baseline)).toFixed(2)} (target ≥ 0.80; raw = the faster raw read); aios/floor ${(rate('aios') / rate('floor')).toFixed(2)}`,
);
const counts = new Set([...runs.raw, ...runs.rawBytes, ...runs.aios, ...runs.floor, ...runs.same].map((r) => r.chars));
if (counts.size !== 1) console.log(`  WARNING: character counts differ (${[...counts].join(', ')})`);
