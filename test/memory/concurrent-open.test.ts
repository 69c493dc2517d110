import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStoreError, openMemoryStore } from '../../src/core/memory';
import { collect, repoRoot, spawnTsx } from '../support/process';
import { isolatedEnv, makeTempDir, type TempDir } from '../support/temp';

/**
 * Opening one new memory file from several processes at once, as two
 * containers' first `aios memory add` do: the first open switches the file to
 * WAL, which needs the file to itself, while the others read it.
 */
let tmp: TempDir;
const children: ChildProcess[] = [];
beforeEach(() => {
  tmp = makeTempDir('aios-concurrent-open-');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

/** Another process holds a read transaction on `file` for `ms`, then ends it; resolves once it holds it. */
function holdRead(file: string, ms: number): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.prepare('BEGIN').run();
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    process.stdout.write('held\\n');
    setTimeout(() => { db.prepare('COMMIT').run(); db.close(); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(ms)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the holding process ended first (${code})`)));
  });
}

/** A new file in rollback-journal mode with one table, as a file another program just made. */
function newRollbackFile(): string {
  const file = tmp.join('memory.db');
  const db = new Database(file);
  db.exec('CREATE TABLE t (x)');
  expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
  db.close();
  return file;
}

describe('opening one new memory file from several processes', () => {
  it('waits for the read to end instead of failing with "database is locked"', async () => {
    const file = newRollbackFile();
    const holder = await holdRead(file, 400);
    const store = openMemoryStore(file);
    try {
      expect(store.journalMode).toBe('wal');
      store.create('written once the other reader let go');
      expect(store.count()).toBe(1);
    } finally {
      store.close();
    }
    await new Promise((resolve) => (holder.exitCode === null ? holder.once('exit', resolve) : resolve(null)));
  });

  it("reports a read held past the busy timeout as locked, naming the file and SQLite's code, and leaves the file as it was", async () => {
    const file = newRollbackFile();
    await holdRead(file, 5_000);
    let error: unknown;
    try {
      openMemoryStore(file, { busyTimeoutMs: 200 }).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MemoryStoreError);
    expect((error as MemoryStoreError).kind).toBe('locked');
    expect((error as MemoryStoreError).message).toContain(file);
    expect((error as MemoryStoreError).message).toContain('database is locked [SQLITE_BUSY]');
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });

  it('lets eight processes open one new file at once, each writing its memories', async () => {
    const file = tmp.join('shared', 'memory.db');
    const go = tmp.join('go');
    const opener = path.join(repoRoot, 'test', 'support', 'memory-opener.ts');
    const runs = Array.from({ length: 8 }, (_, n) => {
      const child = spawnTsx(opener, [file, go, '5', `writer ${n}`], isolatedEnv(tmp.path));
      children.push(child);
      const ready = new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      return { ready, done: collect(child) };
    });
    await Promise.all(runs.map((r) => r.ready));
    fs.writeFileSync(go, '');
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM memories').pluck().get()).toBe(40);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
