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

describe('writes held for the next one', () => {
  function world() {
    tmp = makeTempDir('aios-writer-hold-');
    const file = tmp.join('w.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
    // Another connection, as another program (aigpt, a second aios) sees the file.
    const other = new Database(file, { readonly: true });
    const seen = () => other.prepare('SELECT n FROM t ORDER BY rowid').pluck().all();
    const states: SavingState[] = [];
    let transactions = 0;
    const writer = new DeferredWriter({
      path: file,
      onState: (st) => states.push({ ...st }),
      retryMs: [60_000],
      transaction: (fn) => {
        transactions++;
        db.transaction(fn).immediate();
      },
    });
    const insert = (n: number) => () => void db.prepare('INSERT INTO t VALUES (?)').run(n);
    const close = () => {
      writer.close();
      other.close();
      db.close();
    };
    return { db, writer, seen, states, insert, close, transactions: () => transactions };
  }

  it('commits a held write with the next write, in one transaction and in order', () => {
    const w = world();
    w.writer.hold('one', w.insert(1));
    w.writer.hold('two', w.insert(2));
    expect(w.seen()).toEqual([]); // not yet in the file
    w.writer.write('three', w.insert(3));
    expect(w.seen()).toEqual([1, 2, 3]);
    expect(w.transactions()).toBe(1);
    w.writer.write('four', w.insert(4)); // nothing held: a write of its own, as before
    expect(w.seen()).toEqual([1, 2, 3, 4]);
    expect(w.transactions()).toBe(1);
    w.close();
  });

  it('writes what it holds at the end of the event loop turn, and on flushHeld, flush and close', async () => {
    const w = world();
    w.writer.hold('one', w.insert(1));
    await new Promise((r) => setImmediate(r));
    expect(w.seen()).toEqual([1]);
    w.writer.hold('two', w.insert(2));
    w.writer.flushHeld();
    expect(w.seen()).toEqual([1, 2]);
    w.writer.hold('three', w.insert(3));
    expect(w.writer.flush()).toBe(true);
    expect(w.seen()).toEqual([1, 2, 3]);
    w.writer.hold('four', w.insert(4));
    w.close();
    const db = new Database(tmp!.join('w.db'), { readonly: true });
    expect(db.prepare('SELECT n FROM t ORDER BY rowid').pluck().all()).toEqual([1, 2, 3, 4]);
    db.close();
  });

  it('keeps a held write and the next one, in order, while the file refuses writes', () => {
    const w = world();
    w.db.pragma('query_only = ON');
    w.writer.hold('one', w.insert(1));
    w.writer.write('two', w.insert(2));
    expect(w.writer.state).toMatchObject({ saving: false, waiting: 2 });
    w.db.pragma('query_only = OFF');
    expect(w.writer.flush()).toBe(true);
    expect(w.seen()).toEqual([1, 2]);
    w.close();
  });

  it('a bug in a held write costs neither the next write nor its caller; one in the caller throws', () => {
    const w = world();
    w.writer.hold('buggy', () => {
      throw new TypeError('not a storage problem');
    });
    w.writer.write('two', w.insert(2));
    expect(w.seen()).toEqual([2]);
    expect(w.states.at(-1)?.reason).toMatch(/buggy.*not a storage problem/);
    w.writer.hold('three', w.insert(3));
    expect(() =>
      w.writer.write('bug', () => {
        throw new TypeError('mine');
      }),
    ).toThrow('mine');
    expect(w.seen()).toEqual([2, 3]);
    w.close();
  });

  it('without a transaction, hold is write', () => {
    tmp = makeTempDir('aios-writer-plain-');
    const db = new Database(tmp.join('w.db'));
    db.exec('CREATE TABLE t (n INTEGER)');
    const writer = new DeferredWriter({ path: tmp.join('w.db'), onState: () => undefined });
    writer.hold('one', () => void db.prepare('INSERT INTO t VALUES (1)').run());
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    writer.close();
    db.close();
  });
});
