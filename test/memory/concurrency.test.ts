import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore } from '../../src/core/memory';
import { collect, repoRoot, spawnTsx, type Exited } from '../support/process';
import { sqlText } from '../support/sqlite-cli';
import { isolatedEnv, makeTempDir, waitFor, type TempDir } from '../support/temp';

const WRITER = path.join(repoRoot, 'test', 'support', 'memory-writer.ts');
const PER_WRITER = 1000;

let tmp: TempDir;
const children: ChildProcess[] = [];
beforeEach(() => {
  tmp = makeTempDir('aios-concurrency-');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  tmp.cleanup();
});

function startWriter(
  db: string,
  count: number,
  tag: string,
  extra: string[] = [],
): { child: ChildProcess; lines: string[]; done: Promise<Exited> } {
  const child = spawnTsx(WRITER, [db, String(count), tag, ...extra], isolatedEnv(tmp.path));
  children.push(child);
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  return { child, lines, done: collect(child) };
}

const PAUSE = 'SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x FROM c);';

function cliScript(count: number): { script: string; ids: string[] } {
  const ids: string[] = [];
  const parts = ['.timeout 5000'];
  for (let i = 0; i < count; i++) {
    const id = ulid();
    ids.push(id);
    const at = new Date().toISOString().replace('Z', '000000+00:00');
    parts.push(
      `BEGIN IMMEDIATE;\nINSERT INTO memories (id, content, created_at, updated_at) VALUES (${sqlText(id)}, ${sqlText(`cliwriter ${i}`)}, '${at}', '${at}');\nDELETE FROM relationship_cache;\nCOMMIT;`,
    );
    // A pause outside any transaction (the CLI has no sleep), so the CLI, like the
    // other writers, leaves gaps in which others take the lock.
    parts.push(PAUSE);
  }
  return { script: `${parts.join('\n')}\n`, ids };
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe('several writers on one file', () => {
  it('4 processes x 1000 writes at once (one of them the sqlite3 CLI) lose nothing and never see "database is locked"', async () => {
    const db = tmp.join('memory.db');
    openMemoryStore(db).close();
    const go = tmp.join('go');
    const writers = ['workera', 'workerb', 'workerc'].map((tag) => startWriter(db, PER_WRITER, tag, [go]));
    await waitFor(() => writers.every((w) => w.lines.includes('READY')), 60_000, 'writers ready');

    const { script, ids: cliIds } = cliScript(PER_WRITER);
    fs.writeFileSync(go, '');
    const cli = spawn('sqlite3', ['-bail', db], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(cli);
    const cliDone = collect(cli);
    cli.stdin.end(script);

    const results = await Promise.all([...writers.map((w) => w.done), cliDone]);
    for (const r of results) {
      expect(r.stderr).not.toMatch(/locked|busy/i);
      expect(r.code).toBe(0);
    }
    const store = openMemoryStore(db);
    try {
      expect(store.count()).toBe(4 * PER_WRITER);
      for (const w of writers) {
        const ids = w.lines.filter((l) => /^[0-9A-Z]{26}$/.test(l));
        expect(ids).toHaveLength(PER_WRITER);
        for (const id of ids.filter((_, i) => i % 97 === 0)) expect(store.get(id)).toBeDefined();
      }
      const found = new Set(store.connection.prepare('SELECT id FROM memories').pluck().all() as string[]);
      expect(cliIds.every((id) => found.has(id))).toBe(true);
      for (const tag of ['workera', 'workerb', 'workerc', 'cliwriter']) {
        expect(store.search(tag, { limit: 1000 }).filter((h) => h.matchedBy === 'fts')).toHaveLength(PER_WRITER);
      }
      expect(store.indexedCount()).toBe(4 * PER_WRITER);
      // They really ran at once: in commit (rowid) order the writers' rows interleave.
      const order = store.connection.prepare('SELECT content FROM memories ORDER BY rowid').pluck().all() as string[];
      const writerOf = order.map((c) => c.split(' ')[0]);
      const switches = writerOf.filter((w, i) => i > 0 && w !== writerOf[i - 1]).length;
      const interleaved = new Set(
        ['workera', 'workerb', 'workerc', 'cliwriter'].filter((t) => {
          const first = writerOf.indexOf(t);
          const last = writerOf.lastIndexOf(t);
          return writerOf.slice(first, last + 1).some((w) => w !== t);
        }),
      );
      expect(switches).toBeGreaterThan(100);
      expect(interleaved.size).toBe(4);
    } finally {
      store.close();
    }
    expect(integrity(db)).toBe('ok');
  }, 180_000);

  it('a writer killed with SIGKILL inside a transaction leaves a sound file with every committed row and none of the rest', async () => {
    const db = tmp.join('memory.db');
    const w = startWriter(db, 1_000_000, 'killed', ['', '--hold-after', '200']);
    await waitFor(() => w.lines.some((l) => l.startsWith('IN-TX')), 60_000, 'writer inside its transaction');
    w.child.kill('SIGKILL');
    const exit = await w.done;
    expect(exit.signal).toBe('SIGKILL');
    const committed = w.lines.filter((l) => /^[0-9A-Z]{26}$/.test(l));
    const uncommitted = w.lines
      .find((l) => l.startsWith('IN-TX'))!
      .split(' ')
      .slice(1);
    expect(committed).toHaveLength(200);
    expect(uncommitted).toHaveLength(50);

    expect(integrity(db)).toBe('ok');
    const store = openMemoryStore(db);
    try {
      expect(store.count()).toBe(200);
      for (const id of committed) expect(store.get(id)).toBeDefined();
      for (const id of uncommitted) expect(store.get(id)).toBeUndefined();
      // The lock died with the process: writing works at once.
      store.create('after the crash');
      expect(store.search('killed', { limit: 1000 })).toHaveLength(200);
      expect(store.search('uncommitted')).toEqual([]);
      store.connection.prepare("INSERT INTO aios_memory_fts(aios_memory_fts, rank) VALUES ('integrity-check', 0)").run();
    } finally {
      store.close();
    }
  }, 120_000);

  it('a writer killed at an arbitrary moment while writing loses no committed row', async () => {
    const db = tmp.join('memory.db');
    const w = startWriter(db, 1_000_000, 'racing', ['', '--print-each']);
    await waitFor(() => w.lines.filter((l) => /^[0-9A-Z]{26}$/.test(l)).length >= 400, 60_000, '400 commits');
    w.child.kill('SIGKILL');
    await w.done;
    const committed = w.lines.filter((l) => /^[0-9A-Z]{26}$/.test(l));
    expect(integrity(db)).toBe('ok');
    const store = openMemoryStore(db);
    try {
      const present = new Set(store.connection.prepare('SELECT id FROM memories').pluck().all() as string[]);
      expect(committed.every((id) => present.has(id))).toBe(true);
      expect(present.size).toBeGreaterThanOrEqual(committed.length);
      expect(store.search('racing', { limit: 1000, maxCandidates: 1_000_000 }).length).toBe(Math.min(1000, present.size));
      expect(store.indexedCount()).toBe(present.size);
    } finally {
      store.close();
    }
  }, 120_000);
});
