import crypto from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStoreError, openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore | undefined;
beforeEach(() => {
  tmp = makeTempDir('aios-store-');
});
afterEach(() => {
  store?.close();
  store = undefined;
  tmp.cleanup();
});

const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('MemoryStore basics', () => {
  it('creates the file and its folder, in WAL mode with a busy timeout of at least 5 s', () => {
    const file = tmp.join('nested', 'gpt', 'memory.db');
    store = openMemoryStore(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(store.journalMode).toBe('wal');
    expect(store.connection.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(5000);
    const other = new Database(file, { readonly: true });
    expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    other.close();
  });

  it('creates, gets, updates, lists, counts and deletes', () => {
    store = openMemoryStore(tmp.join('m.db'));
    const a = store.create('first');
    const b = store.createAi('second', { aiInterpretation: 'why it matters', priorityScore: 0.8, relatedEntities: ['alice'] });
    expect(store.get(a.id)).toEqual(a);
    expect(b).toMatchObject({
      content: 'second',
      aiInterpretation: 'why it matters',
      priorityScore: Math.fround(0.8),
      relatedEntities: ['alice'],
    });
    expect(store.count()).toBe(2);
    expect(store.list().map((m) => m.id)).toEqual([b.id, a.id]);
    expect(store.list({ limit: 1, offset: 1 }).map((m) => m.id)).toEqual([a.id]);

    const updated = store.update(a.id, 'first, edited')!;
    expect(updated.content).toBe('first, edited');
    expect(updated.createdAt).toBe(a.createdAt);
    expect(updated.updatedAt > a.updatedAt).toBe(true);
    expect(store.update('01JNOSUCHID000000000000000', 'x')).toBeUndefined();

    expect(store.delete(a.id)).toBe(true);
    expect(store.delete(a.id)).toBe(false);
    expect(store.get(a.id)).toBeUndefined();
    expect(store.count()).toBe(1);
  });

  it('update keeps the other columns exactly as they were', () => {
    store = openMemoryStore(tmp.join('m.db'));
    const b = store.createAi('x', { aiInterpretation: 'i', priorityScore: 0.25, relatedEntities: ['e'] });
    const raw = () =>
      store!.connection
        .prepare('SELECT ai_interpretation, priority_score, related_entities, created_at FROM memories WHERE id = ?')
        .get(b.id);
    const before = raw();
    store.update(b.id, 'y');
    expect(raw()).toEqual(before);
  });

  it('clears relationship_cache after every change to memories, in the same transaction', () => {
    store = openMemoryStore(tmp.join('m.db'));
    const fill = () =>
      store!.connection
        .prepare(
          "INSERT OR REPLACE INTO relationship_cache (entity_id, data, cached_at) VALUES ('alice', '{}', '2025-11-06T10:02:27+00:00')",
        )
        .run();
    const cached = () => store!.connection.prepare('SELECT count(*) FROM relationship_cache').pluck().get();
    fill();
    const m = store.create('a');
    expect(cached()).toBe(0);
    fill();
    store.update(m.id, 'b');
    expect(cached()).toBe(0);
    fill();
    store.delete(m.id);
    expect(cached()).toBe(0);
    fill();
    store.search('b');
    store.list();
    expect(cached()).toBe(1);
  });

  it('rejects bad arguments with TypeError/RangeError and writes nothing', () => {
    store = openMemoryStore(tmp.join('m.db'));
    expect(() => store!.createAi('x', { priorityScore: 1.5 })).toThrow(RangeError);
    expect(() => store!.createAi('x', { priorityScore: Number.NaN })).toThrow(RangeError);
    expect(() => store!.createAi('x', { relatedEntities: ['ok', ''] })).toThrow(TypeError);
    expect(() => store!.create(42 as unknown as string)).toThrow(TypeError);
    expect(store.count()).toBe(0);
  });

  it('reports use after close as a typed error', () => {
    store = openMemoryStore(tmp.join('m.db'));
    store.close();
    const err = caught(() => store!.count());
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect((err as MemoryStoreError).kind).toBe('closed');
  });
});

describe('files aios must not use, and must not touch', () => {
  it('reports a file that is not a database as corrupt, with path and SQLite message, and leaves it as it was', () => {
    const file = tmp.join('memory.db');
    fs.writeFileSync(file, 'this is not a database, it is a shopping list\n'.repeat(200));
    const before = sha(file);
    const err = caught(() => openMemoryStore(file)) as MemoryStoreError;
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect(err.kind).toBe('corrupt');
    expect(err.path).toBe(file);
    expect(err.sqliteMessage).toMatch(/not a database/);
    expect(err.message).toContain(file);
    expect(sha(file)).toBe(before);
    expect(fs.readdirSync(tmp.path)).toEqual(['memory.db']);
  });

  it('reports a damaged database (a b-tree page overwritten) as corrupt when it is read', () => {
    const file = tmp.join('memory.db');
    store = openMemoryStore(file);
    for (let i = 0; i < 300; i++) store.create(`memory number ${i} `.repeat(20));
    store.connection.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    store = undefined;
    const fd = fs.openSync(file, 'r+');
    const pageSize = 4096;
    const size = fs.fstatSync(fd).size;
    for (let p = 2; p * pageSize < size; p++) fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, p * pageSize);
    fs.closeSync(fd);
    const before = sha(file);
    let err: unknown;
    try {
      store = openMemoryStore(file);
      store.list();
      store.search('memory');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect((err as MemoryStoreError).kind).toBe('corrupt');
    expect((err as MemoryStoreError).path).toBe(file);
    store?.close();
    store = undefined;
    expect(sha(file)).toBe(before);
  });

  it('reports a folder in place of the file as unreadable', () => {
    const file = tmp.join('memory.db');
    fs.mkdirSync(file);
    const err = caught(() => openMemoryStore(file)) as MemoryStoreError;
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect(err.kind).toBe('unreadable');
    expect(err.path).toBe(file);
    expect(err.sqliteMessage.length).toBeGreaterThan(0);
  });

  it('reports a file another process keeps exclusively locked as locked, after waiting', () => {
    const file = tmp.join('memory.db');
    const holder = new Database(file);
    holder.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    holder.exec('BEGIN EXCLUSIVE; INSERT INTO t VALUES (2)');
    const started = Date.now();
    const err = caught(() => openMemoryStore(file, { busyTimeoutMs: 300 })) as MemoryStoreError;
    holder.exec('ROLLBACK');
    holder.close();
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect(err.kind).toBe('locked');
    expect(err.sqliteMessage).toMatch(/locked/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    store = openMemoryStore(file);
    expect(store.count()).toBe(0);
    expect(store.connection.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
  });

  it('refuses a memories table it cannot use rather than changing it', () => {
    const file = tmp.join('memory.db');
    const db = new Database(file);
    db.exec('CREATE TABLE memories (key TEXT, value TEXT); INSERT INTO memories VALUES (1, 2)');
    db.close();
    const before = sha(file);
    const err = caught(() => openMemoryStore(file)) as MemoryStoreError;
    expect(err.kind).toBe('incompatible');
    expect(err.message).toMatch(/no column id, content, created_at, updated_at/);
    expect(sha(file)).toBe(before);
  });

  it('opens read-only without creating or migrating anything', () => {
    const file = tmp.join('memory.db');
    expect((caught(() => openMemoryStore(file, { readonly: true })) as MemoryStoreError).kind).toBe('unreadable');
    expect(fs.existsSync(file)).toBe(false);
    store = openMemoryStore(file);
    store.create('visible through a read-only store');
    store.close();
    store = openMemoryStore(file, { readonly: true });
    expect(store.count()).toBe(1);
    const err = caught(() => store!.create('x')) as MemoryStoreError;
    expect(err).toBeInstanceOf(MemoryStoreError);
    expect(err.kind).toBe('readonly');
    expect(err.sqliteMessage).toMatch(/readonly/);
    expect(store.search('visible')[0]?.memory.content).toBe('visible through a read-only store');
  });
});
