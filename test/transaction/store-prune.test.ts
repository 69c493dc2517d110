import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UndoStore } from '../../src/core/transaction/store';
import type { UndoRecord } from '../../src/core/transaction/types';

/**
 * Every commit prunes the store, and the store holds up to a month of
 * records: prune keeps what it read of each record and reads a record again
 * only when its record.json was rewritten. These check it still sees every
 * rewrite, removal and new record another process (the root helper) made.
 */

let root: string;
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function record(store: UndoStore, command: string, bytes: number): UndoRecord {
  const { id } = store.create();
  const r: UndoRecord = {
    id,
    kind: 'command',
    command,
    cwd: '/',
    createdAt: new Date().toISOString(),
    entries: [],
    effects: [],
    effectsOmitted: 0,
    bytes,
  };
  store.save(r);
  return r;
}

describe('pruning the undo store', () => {
  it('sees a record rewritten, removed or added by another store on the same folder since it last looked', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-prune-'));
    const mine = new UndoStore(root);
    const other = new UndoStore(root);
    const limits = { maxBytes: 1000, maxAgeMs: 86_400_000 };
    const a = record(mine, 'a', 100);
    const b = record(mine, 'b', 100);
    record(mine, 'c', 100);
    expect(mine.prune(limits)).toEqual([]);
    // Rewritten elsewhere (an undo marks what undid it): now too big, and the oldest goes.
    other.save({ ...a, bytes: 900 });
    expect(mine.prune(limits).map((d) => [d.command, d.why])).toEqual([['a', 'size']]);
    // Removed elsewhere: not counted, not reported.
    other.remove(b.id);
    record(other, 'd', 850);
    expect(mine.prune(limits)).toEqual([]);
    record(other, 'e', 100);
    expect(mine.prune(limits).map((d) => d.command)).toEqual(['c']);
    expect(mine.list().map((r) => r.command)).toEqual(['d', 'e']);
  });

  it('lists records in the order they were made, also within one millisecond (undo goes newest first by id)', () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-prune-'));
    const store = new UndoStore(root);
    const made = Array.from({ length: 200 }, (_, i) => record(store, `r${i}`, 1).command);
    expect(store.list().map((r) => r.command)).toEqual(made);
  });
});
