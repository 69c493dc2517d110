import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandLog, MemoryStore } from '../../src/core/memory';
import { DeferredWriter } from '../../src/core/memory/deferred-writer';
import { makeTempDir, type TempDir } from '../support/temp';

/**
 * A command's end (`complete`) waits for the next write of the memory file's
 * one writer, or the end of the event loop's turn: no commit of its own
 * between a command's exit and the next request. Reads of the log see it at
 * once; another connection sees it once it is written; a row that is gone is
 * written whole.
 */
let tmp: TempDir | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

function open() {
  tmp = makeTempDir('aios-complete-');
  const file = tmp.join('memory.db');
  const store = new MemoryStore(file);
  const db = store.connection;
  const writer = new DeferredWriter({ path: file, onState: () => undefined, transaction: (fn) => db.transaction(fn).immediate() });
  const log = new CommandLog(store).useWriter(writer);
  const other = new Database(file, { readonly: true });
  const stateInFile = (callId: string) =>
    (other.prepare('SELECT state FROM aios_command_history WHERE call_id = ?').pluck().get(callId) as string | undefined) ?? null;
  return { store, db, writer, log, other, stateInFile };
}

const entry = { command: 'printf ok', decision: 'auto_allow', callId: 'c1' } as const;
const outcome = { ...entry, exitCode: 0, durationMs: 3, outputExcerpt: 'ok' };

describe('a command row completed with the next write', () => {
  it('reaches the file with the next write, in the same transaction', () => {
    const { log, writer, other, stateInFile, store } = open();
    const id = log.begin(entry);
    expect(stateInFile('c1')).toBe('running');
    log.complete(id, outcome);
    expect(stateInFile('c1')).toBe('running'); // not yet: it waits for the next write
    log.begin({ ...entry, callId: 'c2' });
    expect(stateInFile('c1')).toBe('done');
    expect(stateInFile('c2')).toBe('running');
    writer.close();
    other.close();
    store.close();
  });

  it('reaches the file at the end of the event loop turn when nothing else is written', async () => {
    const { log, writer, other, stateInFile, store } = open();
    const id = log.begin(entry);
    log.complete(id, outcome);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(stateInFile('c1')).toBe('done');
    writer.close();
    other.close();
    store.close();
  });

  it('is seen at once by reads of the log itself', () => {
    const { log, writer, other, store } = open();
    const id = log.begin(entry);
    log.complete(id, outcome);
    expect(log.query({}).find((r) => r.callId === 'c1')).toMatchObject({ state: 'done', exitCode: 0, outputExcerpt: 'ok' });
    expect(log.runningCallIds(() => false)).toEqual(new Set());
    writer.close();
    other.close();
    store.close();
  });

  it('writes the whole entry when its row was removed meanwhile', () => {
    const { log, writer, other, db, store } = open();
    const id = log.begin(entry);
    db.prepare('DELETE FROM aios_command_history WHERE id = ?').run(id);
    log.complete(id, outcome, {
      recordId: null,
      summary: 'added /tmp/x',
      counts: { added: 1, changed: 0, deleted: 0, meta: 0 },
      paths: ['added /tmp/x'],
    });
    const rows = log.query({});
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ callId: 'c1', state: 'done', exitCode: 0 });
    expect(log.query({ changed: '/tmp/x' })).toHaveLength(1);
    writer.close();
    other.close();
    store.close();
  });
});
