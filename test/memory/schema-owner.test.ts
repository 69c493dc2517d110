import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/core/conversation/store';
import { openMemoryStore } from '../../src/core/memory';
import { AIGPT_TABLES, AIOS_TABLES, CONVERSATION_TABLES } from '../../src/core/memory/schema';
import { makeTempDir, type TempDir } from '../support/temp';

const SRC = path.join(import.meta.dirname, '..', '..', 'src');
const DDL = /\b(CREATE\s+(TABLE|INDEX|VIRTUAL\s+TABLE|TRIGGER|VIEW)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX))\b/i;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('the memory file has one owner of its schema', () => {
  let tmp: TempDir;
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(() => tmp.cleanup());

  it('no module but memory/schema.ts writes DDL', () => {
    const writers = sources(SRC)
      .filter((f) => !f.endsWith(path.join('memory', 'schema.ts')))
      .filter((f) => DDL.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(writers).toEqual([]);
  });

  it('every table in a file the memory store and a conversation used is one schema.ts names', () => {
    const file = tmp.join('memory.db');
    const store = openMemoryStore(file);
    store.create('a memory');
    const db = new Database(file);
    try {
      const conversations = new ConversationStore(db, 'box');
      conversations.append(conversations.current(), [{ role: 'user', content: 'hi' }]);
      const tables = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'aios_memory_fts_%'")
        .pluck()
        .all();
      expect(new Set(tables)).toEqual(new Set([...AIGPT_TABLES, ...AIOS_TABLES, ...CONVERSATION_TABLES]));
    } finally {
      db.close();
      store.close();
    }
  });
});
