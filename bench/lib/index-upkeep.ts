/**
 * Parts of the memory bench about the full-text index's segments (not a
 * benchmark itself): a file written one memory at a time by another program,
 * and the index's merge upkeep run to the end while another process's
 * connection keeps inserting memories, one transaction each.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import type { MemoryStore } from '../../src/core/memory';
import { nowDbTimestamp } from '../../src/core/memory/format';
import { segmentCount, UPKEEP_PAGES_PER_STEP } from '../../src/core/memory/fts-upkeep';
import { percentile } from './stats';

/** Bytes this thread (not the other writer's) handed to write(2) so far: the WAL's appends, for SQLite. */
function bytesWritten(): number {
  const m = /^wchar: (\d+)$/m.exec(fs.readFileSync('/proc/thread-self/io', 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** K memories inserted by another connection, one transaction each (aigpt's way), each followed by the search's sync. */
export function foreignWrites(store: MemoryStore, file: string, texts: readonly string[], k: number): void {
  const db = new Database(file);
  const insert = db.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const t = performance.now();
  for (let i = 0; i < k; i++) {
    const at = nowDbTimestamp();
    insert.run(ulid(), texts[i % texts.length]!, at, at);
    store.syncIndex();
  }
  db.close();
  console.log(
    `\n${k.toLocaleString('en')} memories written one transaction each by another connection, each indexed by a sync: ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
}

/** The other writer, in a thread of its own: inserts one memory per transaction until told to stop, timing each. */
const WRITER = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const flags = new Int32Array(workerData.flags);
const times = new Float64Array(workerData.times);
const db = new Database(workerData.file, { timeout: 10000 });
const insert = db.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)');
let n = 0;
while (Atomics.load(flags, 0) === 0) {
  const t = performance.now();
  const at = new Date().toISOString().replace('T', ' ').replace('Z', '');
  insert.run('upkeep-writer-' + process.pid + '-' + Date.now() + '-' + n, 'written while the index merges ' + n, at, at);
  const ms = performance.now() - t;
  times[0] = ++n;
  times[1] = Math.max(times[1], ms);
  Atomics.wait(flags, 1, 0, 2);
}
db.close();
Atomics.store(flags, 2, 1);
Atomics.notify(flags, 2);
`;

/**
 * Runs the upkeep's steps to the end, as its timer would (a pause between
 * steps), while another thread's connection inserts memories: steps, time
 * per step, bytes written, segments before and after, and the longest the
 * other writer waited for one insert.
 */
export function runUpkeep(store: MemoryStore, file: string, pages = UPKEEP_PAGES_PER_STEP, gapMs = 25): void {
  const db = store.connection;
  const before = segmentCount(db);
  const flags = new SharedArrayBuffer(12);
  const times = new SharedArrayBuffer(16);
  const worker = new Worker(WRITER, {
    eval: true,
    workerData: { file, flags, times, sqlite: new URL(import.meta.resolve('better-sqlite3')).pathname },
  });
  const f = new Int32Array(flags);
  const stepMs: number[] = [];
  let busy = 0;
  const bytes0 = bytesWritten();
  const t0 = performance.now();
  for (;;) {
    const t = performance.now();
    const r = store.upkeepStep();
    if (r === 'busy') busy++;
    else stepMs.push(performance.now() - t);
    if (r === 'done') break;
    Atomics.wait(f, 1, 0, gapMs);
  }
  const total = performance.now() - t0;
  const bytes = bytesWritten() - bytes0;
  Atomics.store(f, 0, 1);
  Atomics.wait(f, 2, 0, 10_000);
  void worker.terminate();
  const [written, longest] = new Float64Array(times);
  stepMs.sort((a, b) => a - b);
  console.log(`\nindex merge upkeep (${pages} pages a step, ${gapMs} ms apart), run to the end`);
  console.log(`  segments                                 ${before} -> ${segmentCount(db)}`);
  console.log(
    `  steps                                    ${stepMs.length} (${busy} yielded to the other writer), ${(total / 1000).toFixed(1)} s in all`,
  );
  console.log(
    `  time per step p50 / p95 / max            ${percentile(stepMs, 50).toFixed(1)} / ${percentile(stepMs, 95).toFixed(1)} / ${stepMs[stepMs.length - 1]!.toFixed(1)} ms`,
  );
  console.log(
    `  bytes written                            ${(bytes / 1024 / 1024).toFixed(1)} MiB (${(bytes / Math.max(1, stepMs.length) / 1024).toFixed(0)} KiB a step)`,
  );
  console.log(`  other connection: inserts, longest wait  ${written!.toLocaleString('en')}, ${longest!.toFixed(1)} ms`);
  // The other writer's rows make one more segment once indexed; merged as the timer would after that sync.
  store.syncIndex();
  let after = 0;
  while (store.upkeepStep() === 'merged') after++;
  console.log(`  after indexing its rows and ${after} more steps  ${segmentCount(db)} segments`);
}
