import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIGPT_TIMESTAMP_RE, memoryJson, openMemoryStore, ULID_RE, type MemoryStore } from '../../src/core/memory';
import { AIGPT_V1_DDL, AIGPT_V2_DDL, createAigptFile, sampleAigptRows } from '../support/aigpt-db';
import { sqlite3, sqlText } from '../support/sqlite-cli';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore | undefined;
beforeEach(() => {
  tmp = makeTempDir('aios-compat-');
});
afterEach(() => {
  store?.close();
  store = undefined;
  tmp.cleanup();
});

function snapshot(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      schema: db
        .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'aios%' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all(),
      memories: db.prepare('SELECT * FROM memories ORDER BY id').all(),
      triggers: db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").pluck().get(),
    };
  } finally {
    db.close();
  }
}

describe('a file aigpt wrote', () => {
  it('is read exactly: ids, contents, NULLs, f32 scores, entity lists and every timestamp form', () => {
    const file = tmp.join('memory.db');
    const rows = sampleAigptRows();
    createAigptFile(file, rows);
    store = openMemoryStore(file);
    const list = store.list();
    expect(list.map((m) => m.id)).toEqual([...rows].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map((r) => r.id));
    for (const r of rows) {
      expect(store.get(r.id)).toEqual({
        id: r.id,
        content: r.content,
        aiInterpretation: r.ai_interpretation,
        priorityScore: r.priority_score,
        relatedEntities: r.related_entities === null ? null : JSON.parse(r.related_entities),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      });
    }
    const json = memoryJson(store.get(rows[2]!.id)!);
    expect(Object.keys(json)).toEqual(['ai_interpretation', 'content', 'created_at', 'id', 'priority_score', 'updated_at']);
    expect(json).toMatchObject({ created_at: '2025-11-06T10:02:29.123456Z', updated_at: '2025-11-07T08:00:00.500Z', priority_score: 0.65 });
    expect(store.search('aigpt').map((h) => h.memory.id)).toEqual([rows[0]!.id]);
    expect(store.search('hiking alice').map((h) => h.memory.id)).toEqual([rows[2]!.id]);
  });

  it("keeps aigpt's tables, indexes and rows exactly as they were, and adds no trigger", () => {
    const file = tmp.join('memory.db');
    createAigptFile(file);
    const before = snapshot(file);
    store = openMemoryStore(file);
    store.search('coffee');
    store.close();
    store = undefined;
    expect(snapshot(file)).toEqual(before);
    expect(before.triggers).toBe(0);
  });

  it.each([
    ['the first schema (no ai_interpretation, priority_score, related_entities)', AIGPT_V1_DDL],
    ['the Layer 2 schema (no related_entities)', AIGPT_V2_DDL],
  ])('is migrated from %s by adding columns, keeping every row', (_name, ddl) => {
    const file = tmp.join('memory.db');
    const rows = sampleAigptRows();
    createAigptFile(file, rows, ddl);
    const db = new Database(file, { readonly: true });
    const oldRows = db.prepare('SELECT * FROM memories ORDER BY id').all();
    db.close();
    store = openMemoryStore(file);
    expect(store.schemaAtOpen.missingMemoryColumns.length).toBeGreaterThan(0);
    const cols = store.connection.prepare("SELECT name FROM pragma_table_info('memories')").pluck().all();
    expect(new Set(cols)).toEqual(
      new Set(['id', 'content', 'ai_interpretation', 'priority_score', 'created_at', 'updated_at', 'related_entities']),
    );
    const now = store.connection.prepare(`SELECT ${Object.keys(oldRows[0] as object).join(', ')} FROM memories ORDER BY id`).all();
    expect(now).toEqual(oldRows);
    for (const t of ['user_analyses', 'user_profiles', 'relationship_cache']) {
      expect(store.connection.prepare('SELECT count(*) FROM sqlite_schema WHERE name = ?').pluck().get(t)).toBe(1);
    }
    const m = store.createAi('after migration', { priorityScore: 0.5, relatedEntities: ['carol'] });
    expect(store.get(m.id)?.relatedEntities).toEqual(['carol']);
  });
});

describe('what aios writes', () => {
  it("passes a strict check of aigpt's formats in every aigpt table", () => {
    const file = tmp.join('memory.db');
    store = openMemoryStore(file);
    for (let i = 0; i < 30; i++) {
      const m = store.createAi(`memory ${i}`, {
        aiInterpretation: i % 2 ? 'values quality' : null,
        priorityScore: i % 3 ? i / 30 : null,
        relatedEntities: i % 4 ? ['alice'] : null,
      });
      if (i % 5 === 0) store.update(m.id, `memory ${i} edited`);
    }
    store.create('plain');
    store.saveAnalysis(
      { openness: 0.7, conscientiousness: 0.6, extraversion: 0.2, agreeableness: 0.5, neuroticism: 0.3 },
      'quiet and careful',
    );
    store.getProfile();
    store.getRelationship('alice');
    store.listRelationships();
    const db = store.connection;
    const memories = db.prepare('SELECT * FROM memories').all() as Record<string, unknown>[];
    expect(memories).toHaveLength(31);
    for (const r of memories) {
      expect(r.id).toMatch(ULID_RE);
      expect(r.created_at).toMatch(AIGPT_TIMESTAMP_RE);
      expect(r.updated_at).toMatch(AIGPT_TIMESTAMP_RE);
      expect(typeof r.content).toBe('string');
      if (r.priority_score !== null) expect(Math.fround(r.priority_score as number)).toBe(r.priority_score);
      if (r.related_entities !== null) {
        const list: unknown = JSON.parse(r.related_entities as string);
        expect(Array.isArray(list) && list.every((e) => typeof e === 'string')).toBe(true);
      }
    }
    for (const a of db.prepare('SELECT * FROM user_analyses').all() as Record<string, unknown>[]) {
      expect(a.id).toMatch(ULID_RE);
      expect(a.analyzed_at).toMatch(AIGPT_TIMESTAMP_RE);
    }
    const profile = db.prepare('SELECT * FROM user_profiles').get() as { id: number; data: string; last_updated: string };
    expect(profile.id).toBe(1);
    expect(profile.last_updated).toMatch(AIGPT_TIMESTAMP_RE);
    // serde reads UserProfile back by these fields; last_updated must be RFC 3339.
    const data = JSON.parse(profile.data) as Record<string, unknown>;
    expect(Object.keys(data)).toEqual([
      'dominant_traits',
      'core_interests',
      'core_values',
      'key_memory_ids',
      'data_quality',
      'last_updated',
    ]);
    expect(data.last_updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const caches = db.prepare('SELECT * FROM relationship_cache ORDER BY entity_id').all() as {
      entity_id: string;
      data: string;
      cached_at: string;
    }[];
    expect(caches.map((c) => c.entity_id)).toEqual(['', 'alice']);
    for (const c of caches) {
      expect(c.cached_at).toMatch(AIGPT_TIMESTAMP_RE);
      const parsed = JSON.parse(c.data) as unknown;
      for (const inf of (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[]) {
        expect(Object.keys(inf)).toEqual([
          'entity_id',
          'interaction_count',
          'avg_priority',
          'days_since_last',
          'bond_strength',
          'relationship_type',
          'confidence',
          'inferred_at',
        ]);
      }
    }
  });
});

describe('the sqlite3 CLI on a file aios has opened', () => {
  it('can still insert, update and delete memories, and aios finds each change at its next search', () => {
    const file = tmp.join('memory.db');
    store = openMemoryStore(file);
    store.create('aios wrote this about tea');
    expect(store.search('tea')).toHaveLength(1);
    const id = ulid();
    const at = '2025-11-08T09:00:00.123456789+00:00';
    const ins = sqlite3(
      file,
      `.timeout 5000\nINSERT INTO memories (id, content, created_at, updated_at) VALUES (${sqlText(id)}, 'the CLI wrote this about zucchini', '${at}', '${at}');\n`,
    );
    expect(ins).toMatchObject({ status: 0, stderr: '' });
    expect(store.search('zucchini').map((h) => h.memory.id)).toEqual([id]);

    // An update that does not touch updated_at is found too.
    expect(sqlite3(file, `UPDATE memories SET content = 'now about pumpkins' WHERE id = ${sqlText(id)};\n`).status).toBe(0);
    expect(store.search('zucchini')).toEqual([]);
    expect(store.search('pumpkins').map((h) => [h.memory.id, h.matchedBy])).toEqual([[id, 'fts']]);

    expect(sqlite3(file, `DELETE FROM memories WHERE id = ${sqlText(id)};\n`).status).toBe(0);
    expect(store.search('pumpkins')).toEqual([]);
    expect(store.indexedCount()).toBe(1);

    const check = sqlite3(file, 'PRAGMA integrity_check;\n');
    expect(check.stdout.trim()).toBe('ok');
  });

  it('VACUUM renumbering rowids does not confuse the index', () => {
    const file = tmp.join('memory.db');
    store = openMemoryStore(file);
    const made = ['alpha one', 'bravo two', 'charlie three', 'delta four'].map((c) => store!.create(c));
    store.delete(made[0]!.id);
    store.delete(made[2]!.id);
    expect(sqlite3(file, 'VACUUM;\n').status).toBe(0);
    expect(store.search('bravo').map((h) => h.memory.id)).toEqual([made[1]!.id]);
    expect(store.search('delta').map((h) => h.memory.id)).toEqual([made[3]!.id]);
    expect(store.search('alpha')).toEqual([]);
    expect(
      store.connection.prepare("INSERT INTO aios_memory_fts(aios_memory_fts, rank) VALUES ('integrity-check', 0)").run().changes,
    ).toBeGreaterThanOrEqual(0);
  });
});
