import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DeferredWriter, type SavingState } from '../../src/core/memory/deferred-writer';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir | undefined;
afterEach(() => {
  tmp?.cleanup();
  tmp = undefined;
});

describe('the memory file writer', () => {
  it('keeps refused writes in order, drops the oldest beyond its bound (and says so), and saves the rest when the file takes writes', () => {
    tmp = makeTempDir('aios-writer-');
    const db = new Database(tmp.join('w.db'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const states: SavingState[] = [];
    const writer = new DeferredWriter({
      path: tmp.join('w.db'),
      onState: (st) => states.push({ ...st }),
      maxWaiting: 3,
      retryMs: [60_000],
    });
    const insert = (n: number) => writer.write(`row ${n}`, () => void db.prepare('INSERT INTO t VALUES (?)').run(n));
    insert(1);
    db.pragma('query_only = ON'); // the file refuses writes (as a read-only or full one does)
    for (let n = 2; n <= 6; n++) insert(n);
    expect(states[0]).toMatchObject({ saving: false, waiting: 0 });
    expect(states[0]!.reason).toMatch(/read-only|readonly/i);
    expect(states.some((st) => st.dropped === 2)).toBe(true); // 2..6 is five writes for three places
    expect(writer.state).toMatchObject({ saving: false, waiting: 3 });
    expect(writer.flush()).toBe(false); // still refused: nothing lost, nothing reordered
    db.pragma('query_only = OFF');
    expect(writer.flush()).toBe(true);
    expect(states.at(-1)).toMatchObject({ saving: true, reason: null, waiting: 0 });
    expect(db.prepare('SELECT n FROM t ORDER BY rowid').pluck().all()).toEqual([1, 4, 5, 6]);
    writer.close();
    db.close();
  });

  it('a bug is thrown at once, never queued', () => {
    const writer = new DeferredWriter({ path: 'x', onState: () => undefined });
    expect(() =>
      writer.write('bug', () => {
        throw new TypeError('not a storage problem');
      }),
    ).toThrow(TypeError);
    expect(writer.state.waiting).toBe(0);
  });
});
