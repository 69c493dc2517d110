import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConversationStore } from '../../src/core/conversation/store';

/**
 * A conversation store on a fresh memory file in a temp folder (WAL, as aios
 * opens it), for the box "box". Closing the file and removing the folder
 * are pushed on `cleanup`, to run in reverse order after the test.
 */
export function scratchConversationStore(
  prefix: string,
  cleanup: Array<() => void>,
): { store: ConversationStore; db: Database.Database; file: string; id: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'memory.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  cleanup.push(() => db.close());
  const store = new ConversationStore(db, 'box');
  return { store, db, file, id: store.current() };
}
