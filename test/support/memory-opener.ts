/**
 * For the tests of opening one new memory file from many processes at once:
 * waits for GO_FILE (so every process opens together), then opens the real
 * MemoryStore on DB and writes COUNT memories "TAG i".
 *
 *   tsx test/support/memory-opener.ts DB GO_FILE COUNT TAG
 */
import fs from 'node:fs';
import { openMemoryStore } from '../../src/core/memory';

const [db, goFile, countArg, tag] = process.argv.slice(2);
if (!db || !goFile || !countArg || !tag) {
  process.stderr.write('usage: memory-opener DB GO_FILE COUNT TAG\n');
  process.exit(2);
}
const sleeper = new Int32Array(new SharedArrayBuffer(4));
process.stdout.write('READY\n');
while (!fs.existsSync(goFile)) Atomics.wait(sleeper, 0, 0, 1);
const store = openMemoryStore(db);
for (let i = 0; i < Number(countArg); i++) store.create(`${tag} ${i}`);
store.close();
