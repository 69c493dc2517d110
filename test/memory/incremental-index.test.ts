/**
 * The index finds what others wrote through its marks (the highest indexed
 * rowid, updated_at, the newest row's id) at the first sync, whatever the
 * table's size, and the rest (edits that keep updated_at, deletes in the
 * middle) within one turn of the moving window. The window is made small
 * here (10 rows against 300), so a change found at the first sync was found
 * by a mark, not by comparing the table.
 */
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryIndex } from '../../src/core/memory/fts';
import { openMemoryStore, type MemoryStore } from '../../src/core/memory/store';
import { aigptUpdate, createAigptFile, type AigptRow } from '../support/aigpt-db';
import { sqlite3 } from '../support/sqlite-cli';
import { makeTempDir, type TempDir } from '../support/temp';

const N = 300;
const WINDOW = 10;
let tmp: TempDir;
let store: MemoryStore | undefined;
let foreign: Database.Database | undefined;
let index: MemoryIndex;
let file: string;
let ids: string[];

function row(
  i: number,
  content: string,
  at = `2025-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.5+00:00`,
): AigptRow {
  return {
    id: ulid(1_700_000_000_000 + i),
    content,
    ai_interpretation: null,
    priority_score: null,
    created_at: at,
    updated_at: at,
    related_entities: null,
  };
}

/** The index's copy of every row equals the table, row for row. */
function expectInStep(db: Database.Database): void {
  const table = db.prepare('SELECT rowid AS r, id, content, ai_interpretation AS interp FROM memories ORDER BY rowid').all();
  const docs = db.prepare('SELECT mem_rowid AS r, id, content, interp FROM aios_memory_docs ORDER BY mem_rowid').all();
  expect(docs).toEqual(table);
}

const found = (word: string) =>
  store!.connection
    .prepare('SELECT rowid FROM aios_memory_fts WHERE aios_memory_fts MATCH ? ORDER BY rowid')
    .pluck()
    .all(`"${word}"`) as number[];
const rowidOf = (id: string) => store!.connection.prepare('SELECT rowid FROM memories WHERE id = ?').pluck().get(id) as number;

function aigptInsert(content: string, at = '2026-12-04T10:00:00.123456+00:00'): string {
  const id = ulid();
  foreign!.prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, content, at, at);
  foreign!.prepare('DELETE FROM relationship_cache').run();
  return id;
}

beforeEach(() => {
  tmp = makeTempDir('aios-incr-');
  file = tmp.join('memory.db');
  const rows = Array.from({ length: N }, (_, i) => row(i, `memory ${i} about word${i}`));
  ids = rows.map((r) => r.id);
  createAigptFile(file, rows);
  store = openMemoryStore(file);
  store.syncIndex(); // the first build: a full comparison, which sets the marks
  index = new MemoryIndex(store.connection, { verifyWindow: WINDOW });
  index.sync();
  foreign = new Database(file, { timeout: 10_000 });
});

afterEach(() => {
  foreign?.close();
  store?.close();
  foreign = store = undefined;
  tmp.cleanup();
});

describe('changes found at the first sync, through the marks', () => {
  it('an aigpt insert', () => {
    const id = aigptInsert('the new one about zucchini');
    expect(index.sync()).toEqual({ skipped: false, added: 1, updated: 0, removed: 0 });
    expect(found('zucchini')).toEqual([rowidOf(id)]);
    expectInStep(store!.connection);
  });

  it('an aigpt update (new updated_at) in the middle of the table, and an insert with an old timestamp', () => {
    const target = ids[150]!;
    aigptUpdate(file, target, 'now about pumpkins', '2026-12-04T11:00:00+00:00');
    const old = aigptInsert('backdated about turnips', '2020-01-01T00:00:00+00:00');
    expect(index.sync()).toEqual({ skipped: false, added: 1, updated: 1, removed: 0 });
    expect(found('pumpkins')).toEqual([rowidOf(target)]);
    expect(found('word150')).toEqual([]);
    expect(found('turnips')).toEqual([rowidOf(old)]);
    expectInStep(store!.connection);
  });

  it('a delete of the newest rows, and a new row that takes a deleted rowid', () => {
    const last = ids[N - 1]!;
    const lastRowid = rowidOf(last);
    foreign!.prepare('DELETE FROM memories WHERE id IN (?, ?)').run(last, ids[N - 2]!);
    expect(index.sync()).toMatchObject({ removed: 2 });
    expect(found(`word${N - 1}`)).toEqual([]);
    expectInStep(store!.connection);
    const id = aigptInsert('reuses a rowid about radishes');
    expect(rowidOf(id)).toBe(lastRowid - 1);
    expect(index.sync()).toMatchObject({ added: 1 });
    expect(found('radishes')).toEqual([rowidOf(id)]);
    expectInStep(store!.connection);
  });

  it('VACUUM after deletes in the middle', () => {
    foreign!.prepare('DELETE FROM memories WHERE id IN (?, ?, ?)').run(ids[10]!, ids[11]!, ids[200]!);
    foreign!.close();
    foreign = undefined;
    expect(sqlite3(file, 'VACUUM;\n').status).toBe(0);
    index.sync();
    // Every row still found where it is; the deleted ones (in the middle) within one turn of the window.
    for (const i of [0, 150, N - 1]) expect(found(`word${i}`)).toEqual([rowidOf(ids[i]!)]);
    for (let syncs = 1; syncs <= Math.ceil(N / WINDOW); syncs++) index.sync();
    expectInStep(store!.connection);
    expect(found('word10')).toEqual([]);
  });

  it('every row renumbered with its updated_at kept (what VACUUM may do to a table without an integer key)', () => {
    foreign!.exec(`BEGIN IMMEDIATE;
      DELETE FROM memories WHERE rowid IN (5, 6, 7);
      CREATE TEMP TABLE keep AS SELECT id, content, created_at, updated_at FROM memories ORDER BY rowid;
      DELETE FROM memories;
      INSERT INTO memories (id, content, created_at, updated_at) SELECT id, content, created_at, updated_at FROM keep;
      COMMIT;`);
    expect(rowidOf(ids[N - 1]!)).toBe(N - 3);
    index.sync();
    expectInStep(store!.connection);
    expect(found(`word${N - 1}`)).toEqual([N - 3]);
    expect(found('word5')).toEqual([]);
  });

  it('a file replaced under the open connection by another aios file that aigpt wrote to afterwards', () => {
    const other = tmp.join('other.db');
    createAigptFile(other, [row(0, 'first of the other file about apples')]);
    const o = openMemoryStore(other);
    o.syncIndex();
    o.close();
    const late = new Database(other);
    const lateId = ulid();
    // Older than the other file's mark, but a rowid it never indexed.
    late
      .prepare('INSERT INTO memories (id, content, created_at, updated_at) VALUES (?, ?, ?, ?)')
      .run(lateId, 'written later about pears', '2019-01-01T00:00:00+00:00', '2019-01-01T00:00:00+00:00');
    late.close();
    foreign!.close();
    foreign = undefined;
    expect(sqlite3(file, `.restore '${other}'\n`).status).toBe(0);
    index.sync();
    expectInStep(store!.connection);
    expect(found('pears')).toEqual([rowidOf(lateId)]);
    expect(found('word5')).toEqual([]);
  });

  it('a file that lost its marks (written by an older aios) is compared whole once', () => {
    foreign!.prepare("DELETE FROM aios_meta WHERE key LIKE 'fts_%'").run();
    foreign!.prepare('UPDATE memories SET content = ? WHERE id = ?').run('quietly edited about figs', ids[20]!);
    expect(index.sync()).toMatchObject({ updated: 1 });
    expect(found('figs')).toEqual([21]);
    expectInStep(store!.connection);
  });
});

describe('changes no mark shows, found by the moving window', () => {
  it('an edit that keeps updated_at and a delete in the middle are found within one turn of the window', () => {
    foreign!.prepare('UPDATE memories SET content = ? WHERE id = ?').run('silently about leeks', ids[123]!);
    foreign!.prepare('DELETE FROM memories WHERE id = ?').run(ids[77]!);
    let syncs = 0;
    while (found('leeks').length === 0 || found('word77').length > 0) {
      index.sync();
      expect(++syncs).toBeLessThanOrEqual(Math.ceil(N / WINDOW) + 1);
    }
    expectInStep(store!.connection);
  });

  it('a sync after one foreign insert does not compare the whole table', () => {
    // A silent edit far from the window: a whole-table comparison would pick it up now.
    foreign!.prepare('UPDATE memories SET content = ? WHERE id = ?').run('silently about chard', ids[200]!);
    aigptInsert('one more about kale');
    expect(index.sync()).toEqual({ skipped: false, added: 1, updated: 0, removed: 0 });
    expect(found('kale')).toHaveLength(1);
    expect(found('chard')).toEqual([]);
  });

  it('a window step that finds nothing changed takes no write lock, so searches go on while another process writes', () => {
    aigptInsert('a foreign commit starts a turn of the window');
    index.sync();
    store!.connection.pragma('busy_timeout = 100');
    foreign!.exec('BEGIN IMMEDIATE');
    try {
      for (let i = 0; i < 3; i++) expect(index.sync()).toEqual({ skipped: false, added: 0, updated: 0, removed: 0 });
    } finally {
      foreign!.exec('ROLLBACK');
    }
    expectInStep(store!.connection);
  });
});
