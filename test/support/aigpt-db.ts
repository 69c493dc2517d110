import Database from 'better-sqlite3';
import { ulid } from 'ulid';

/**
 * Builds memory files the way aigpt (November 2025) leaves them, with plain
 * better-sqlite3 and aigpt's DDL, independent of aios's own code, so
 * compatibility tests compare aios against the format rather than itself.
 */

export const AIGPT_DDL = `
CREATE TABLE memories (id TEXT PRIMARY KEY, content TEXT NOT NULL, ai_interpretation TEXT,
  priority_score REAL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, related_entities TEXT);
CREATE INDEX idx_created_at ON memories(created_at);
CREATE INDEX idx_updated_at ON memories(updated_at);
CREATE INDEX idx_priority_score ON memories(priority_score);
CREATE TABLE user_analyses (id TEXT PRIMARY KEY, openness REAL NOT NULL, conscientiousness REAL NOT NULL,
  extraversion REAL NOT NULL, agreeableness REAL NOT NULL, neuroticism REAL NOT NULL,
  summary TEXT NOT NULL, analyzed_at TEXT NOT NULL);
CREATE INDEX idx_analyzed_at ON user_analyses(analyzed_at);
CREATE TABLE user_profiles (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL, last_updated TEXT NOT NULL);
CREATE TABLE relationship_cache (entity_id TEXT PRIMARY KEY, data TEXT NOT NULL, cached_at TEXT NOT NULL);
`;

/** The first aigpt schema: no Layer 2 or Layer 4 columns. */
export const AIGPT_V1_DDL = `
CREATE TABLE memories (id TEXT PRIMARY KEY, content TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX idx_created_at ON memories(created_at);
`;

/** Layer 2 without Layer 4's related_entities. */
export const AIGPT_V2_DDL = `
CREATE TABLE memories (id TEXT PRIMARY KEY, content TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  ai_interpretation TEXT, priority_score REAL);
CREATE INDEX idx_created_at ON memories(created_at);
CREATE INDEX idx_updated_at ON memories(updated_at);
CREATE INDEX idx_priority_score ON memories(priority_score);
`;

export interface AigptRow {
  id: string;
  content: string;
  ai_interpretation: string | null;
  priority_score: number | null;
  created_at: string;
  updated_at: string;
  related_entities: string | null;
}

/** Rows covering aigpt's formats: 0/3/6/9 fraction digits, NULLs, an f32 score, an entity list. */
export function sampleAigptRows(): AigptRow[] {
  return [
    {
      id: ulid(1762423347000),
      content: 'Rust で aigpt を書き直した',
      ai_interpretation: null,
      priority_score: null,
      created_at: '2025-11-06T10:02:27+00:00',
      updated_at: '2025-11-06T10:02:27+00:00',
      related_entities: null,
    },
    {
      id: ulid(1762423348123),
      content: 'likes strong coffee in the morning',
      ai_interpretation: 'values a steady routine',
      priority_score: Math.fround(0.8),
      created_at: '2025-11-06T10:02:28.123+00:00',
      updated_at: '2025-11-06T10:02:28.123+00:00',
      related_entities: '["alice"]',
    },
    {
      id: ulid(1762423349123),
      content: 'went hiking with alice and bob',
      ai_interpretation: 'enjoys the outdoors with friends',
      priority_score: Math.fround(0.65),
      created_at: '2025-11-06T10:02:29.123456+00:00',
      updated_at: '2025-11-07T08:00:00.5+00:00',
      related_entities: '["alice","bob"]',
    },
    {
      id: ulid(1762423350123),
      content: 'installed nginx on the home server',
      ai_interpretation: null,
      priority_score: Math.fround(0.3),
      created_at: '2025-11-06T10:02:30.123456789+00:00',
      updated_at: '2025-11-06T10:02:30.123456789+00:00',
      related_entities: '[]',
    },
  ];
}

export function createAigptFile(file: string, rows: AigptRow[] = sampleAigptRows(), ddl = AIGPT_DDL): void {
  const db = new Database(file);
  try {
    db.exec(ddl);
    const cols = db.prepare("SELECT name FROM pragma_table_info('memories')").pluck().all() as string[];
    const use = ['id', 'content', 'ai_interpretation', 'priority_score', 'created_at', 'updated_at', 'related_entities'].filter((c) =>
      cols.includes(c),
    );
    const insert = db.prepare(`INSERT INTO memories (${use.join(', ')}) VALUES (${use.map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (const r of rows) insert.run(Object.fromEntries(use.map((c) => [c, r[c as keyof AigptRow]])));
    })();
  } finally {
    db.close();
  }
}

/** aigpt's own update: new content and a new updated_at, nothing else. */
export function aigptUpdate(file: string, id: string, content: string, updatedAt: string): void {
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.prepare('UPDATE memories SET content = ?, updated_at = ? WHERE id = ?').run(content, updatedAt, id);
    db.prepare('DELETE FROM relationship_cache').run();
  } finally {
    db.close();
  }
}
