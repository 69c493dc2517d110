/**
 * A process that searches its memory file, has the file cut to a third
 * behind SQLite's back (as `truncate` or a `cp` over it would), and searches
 * again: the store must report an error, not die of SIGBUS.
 *
 *   tsx test/support/truncated-search.ts DB
 *
 * Prints "FIRST <hits>" after the first search and "SECOND <outcome>" after
 * the second (the error's code, or "ok <hits>").
 */
import fs from 'node:fs';
import { openMemoryStore } from '../../src/core/memory';

const [db] = process.argv.slice(2);
if (!db) {
  process.stderr.write('usage: truncated-search DB\n');
  process.exit(2);
}
const store = openMemoryStore(db, { upkeep: false });
store.connection.exec('BEGIN IMMEDIATE');
for (let i = 0; i < 20_000; i++) store.create(`note ${i} about kernel tuning number ${i % 97} and backups ${i % 13}`);
store.connection.exec('COMMIT');
// Everything into the file itself, so what is cut off is pages the index reads.
store.connection.pragma('wal_checkpoint(TRUNCATE)');
process.stdout.write(`FIRST ${store.search('kernel backups', { limit: 20 }).length}\n`);
fs.truncateSync(db, Math.floor(fs.statSync(db).size / 3));
let outcome: string;
try {
  outcome = `ok ${store.search('tuning numb', { limit: 20, maxCandidates: 20_000 }).length} ${store.list({ limit: 100, offset: 10_000 }).length}`;
} catch (err) {
  outcome = String((err as { code?: unknown }).code ?? (err as Error).message);
}
process.stdout.write(`SECOND ${outcome}\n`);
try {
  store.close();
} catch {
  // A damaged file may fail to close cleanly; the process lived, which is what is checked.
}
