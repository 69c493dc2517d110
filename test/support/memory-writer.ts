/**
 * A writer process for the concurrency tests: the real MemoryStore, one
 * memory per write transaction, printing each id only after its commit.
 *
 *   tsx test/support/memory-writer.ts DB COUNT TAG [GO_FILE] [--hold-after N | --print-each]
 *
 * Between writes it pauses about a millisecond, as real writers are spread
 * out in time; without that one process would take the lock for a whole
 * burst and the writers would barely overlap.
 *
 * Waits for GO_FILE to exist (so all writers start together), then writes
 * COUNT memories "TAG i". With --hold-after N it commits N memories, then
 * opens a transaction, writes 50 more inside it, prints "IN-TX <ids>" and
 * waits there forever, for a test to SIGKILL it mid-transaction. With
 * --print-each every id is written out as soon as it is committed.
 */
import fs from 'node:fs';
import { openMemoryStore } from '../../src/core/memory';

const [db, countArg, tag, goFile, flag, holdArg] = process.argv.slice(2);
if (!db || !countArg || !tag) {
  process.stderr.write('usage: memory-writer DB COUNT TAG [GO_FILE] [--hold-after N]\n');
  process.exit(2);
}
const count = Number(countArg);
const holdAfter = flag === '--hold-after' ? Number(holdArg) : undefined;
const printEach = flag === '--print-each' || holdAfter !== undefined;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const store = openMemoryStore(db);
process.stdout.write('READY\n');
if (goFile) while (!fs.existsSync(goFile)) Atomics.wait(sleeper, 0, 0, 5);

const out: string[] = [];
const flush = (): void => {
  if (out.length > 0) fs.writeSync(1, out.splice(0).join(''));
};
for (let i = 0; i < count; i++) {
  if (holdAfter !== undefined && i === holdAfter) {
    flush();
    store.connection.exec('BEGIN IMMEDIATE');
    const pending: string[] = [];
    for (let j = 0; j < 50; j++) pending.push(store.create(`${tag} uncommitted ${j}`).id);
    fs.writeSync(1, `IN-TX ${pending.join(' ')}\n`);
    for (;;) Atomics.wait(sleeper, 0, 0, 60_000);
  }
  const m = store.create(`${tag} ${i}`);
  Atomics.wait(sleeper, 0, 0, 1);
  out.push(`${m.id}\n`);
  // Printed right after the commit; a kill may lose the last line, never print an uncommitted id.
  if (printEach || out.length >= 50) flush();
}
flush();
store.close();
process.stdout.write('DONE\n');
