/**
 * A -wal file does not stay as large as it ever grew: after a large write
 * (the index upkeep's first pass over a big file writes hundreds of MB) and a
 * checkpoint, the next write brings it back within WAL_SIZE_LIMIT. Real
 * SQLite file, real -wal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { enableWal, openDatabase, WAL_SIZE_LIMIT } from '../../src/core/memory/connection';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-wal-size-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a -wal grown past the limit by one large write is cut back to the limit once checkpointed', () => {
  const file = path.join(dir, 'memory.db');
  const { db } = openDatabase(file);
  expect(enableWal(db)).toBe('wal');
  db.exec('CREATE TABLE blobs (b BLOB)');
  const insert = db.prepare('INSERT INTO blobs VALUES (?)');
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const mib = WAL_SIZE_LIMIT / (1024 * 1024) + 16;
  db.transaction(() => {
    for (let i = 0; i < mib; i++) insert.run(chunk);
  })();
  expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(WAL_SIZE_LIMIT);
  db.pragma('wal_checkpoint(PASSIVE)');
  insert.run(Buffer.alloc(16));
  expect(fs.statSync(`${file}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT);
  db.close();
});
