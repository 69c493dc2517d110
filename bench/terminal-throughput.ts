/**
 * Terminal throughput: `cat` of a generated 50 MB file
 *   baseline: raw node-pty reads, data discarded
 *   aios:     node-pty → TerminalService (coalescing + flow control) → EventBus
 *             → @xterm/headless, acknowledging every ~5,000 parsed characters
 *             from xterm's write callback, exactly as the renderer does.
 * Prints MB/s for both and the ratio (target ≥ 0.5).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import { EventBus } from '../src/main/core/bridge/event-bus';
import { ACK_BATCH_CHARS } from '../src/main/core/terminal/flow-control';
import { TerminalService } from '../src/main/core/terminal/terminal-service';

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

function throughCore(file: string): Promise<{ ms: number; chars: number }> {
  return new Promise((resolve) => {
    const events = new EventBus();
    const service = new TerminalService({ events, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() }, shell: '/bin/cat', shellArgs: [file] });
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
        service.dispose();
        resolve({ ms, chars });
      }
    };
    const session = service.open({ cols: 120, rows: 40 });
    events.on('terminal.data', ({ id, data }) => {
      chars += data.length;
      pendingWrites++;
      term.write(data, () => {
        pendingWrites--;
        unacked += data.length;
        if (unacked >= ACK_BATCH_CHARS) {
          service.ack(id, unacked);
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const file = makeFile();
const bytes = fs.statSync(file).size;
const rawMs: number[] = [];
const coreMs: number[] = [];
let rawChars = 0;
let coreChars = 0;
for (let i = 0; i < RUNS; i++) {
  const r = await raw(file);
  rawMs.push(r.ms);
  rawChars = r.chars;
  const c = await throughCore(file);
  coreMs.push(c.ms);
  coreChars = c.chars;
}
fs.rmSync(path.dirname(file), { recursive: true, force: true });

const mb = bytes / 1024 / 1024;
const rawRate = mb / (median(rawMs) / 1000);
const coreRate = mb / (median(coreMs) / 1000);
console.log(`terminal-throughput: cat of ${mb.toFixed(0)} MB, median of ${RUNS} runs`);
console.log(`  raw node-pty read          ${rawRate.toFixed(1).padStart(8)} MB/s  (${median(rawMs).toFixed(0)} ms, ${rawChars} chars)`);
console.log(`  aios core → xterm headless ${coreRate.toFixed(1).padStart(8)} MB/s  (${median(coreMs).toFixed(0)} ms, ${coreChars} chars)`);
console.log(`  ratio aios/raw             ${(coreRate / rawRate).toFixed(2).padStart(8)}   (target ≥ 0.50)`);
if (coreChars !== rawChars) console.log(`  WARNING: character counts differ (${coreChars} vs ${rawChars})`);
