import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../src/core/conversation/store';
import { scratchConversationStore } from '../support/conversation-store';

/**
 * The conversation is read back for every request to the model. Rows read
 * once are kept and only newer ones are read; whatever another program
 * commits to the file is still seen at the next read.
 */

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function openStore(): { store: ConversationStore; db: Database.Database; file: string; id: string } {
  return scratchConversationStore('aios-readback-', cleanup);
}

/** Another program's connection to the same file. */
function other(file: string): Database.Database {
  const db = new Database(file);
  cleanup.push(() => db.close());
  return db;
}

/** What is read back; `messageContents` (a request's messages) must hand out the very same messages. */
function contents(store: ConversationStore, id: string, limit?: number): unknown[] {
  const messages = store.messages(id, limit).map((m) => m.message);
  const alone = store.messageContents(id, limit);
  expect(alone).toHaveLength(messages.length);
  alone.forEach((m, i) => expect(m).toBe(messages[i]));
  return messages.map((m) => m.content);
}

describe('reading the conversation back', () => {
  it('parses a stored message once and hands out the same frozen object, with what was added since', () => {
    const { store, id } = openStore();
    store.append(id, [{ role: 'user', content: 'one' }]);
    const first = store.messages(id);
    store.append(id, [{ role: 'assistant', content: 'two' }]);
    const second = store.messages(id);
    expect(second.map((m) => m.message.content)).toEqual(['one', 'two']);
    expect(second[0]!.message).toBe(first[0]!.message);
    expect(Object.isFrozen(second[0]!.message)).toBe(true);
    expect(() => {
      (second[0]!.message as { content: string }).content = 'changed';
    }).toThrow(TypeError);
    expect(contents(store, id)).toEqual(['one', 'two']);
  });

  it('keeps the newest `limit` messages as new ones arrive', () => {
    const { store, id } = openStore();
    for (let i = 0; i < 5; i++) store.append(id, [{ role: 'user', content: `m${i}` }]);
    expect(contents(store, id, 3)).toEqual(['m2', 'm3', 'm4']);
    store.append(id, [{ role: 'user', content: 'm5' }]);
    expect(contents(store, id, 3)).toEqual(['m3', 'm4', 'm5']);
    expect(contents(store, id, 2)).toEqual(['m4', 'm5']);
    // A longer window than was read before is read whole.
    expect(contents(store, id, 10)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it("sees another program's update, delete and insert made between two reads", () => {
    const { store, file, id } = openStore();
    store.append(id, [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ]);
    expect(contents(store, id)).toEqual(['a', 'b', 'c']);

    const db = other(file);
    const seqs = (db.prepare('SELECT seq FROM aios_conversation_messages ORDER BY seq').pluck().all() as number[]).slice();
    db.prepare('UPDATE aios_conversation_messages SET message = ? WHERE seq = ?').run(
      JSON.stringify({ role: 'user', content: 'A' }),
      seqs[0],
    );
    expect(contents(store, id)).toEqual(['A', 'b', 'c']);

    db.prepare('DELETE FROM aios_conversation_messages WHERE seq = ?').run(seqs[1]);
    expect(contents(store, id)).toEqual(['A', 'c']);

    db.prepare('INSERT INTO aios_conversation_messages (conversation_id, message, created_at) VALUES (?, ?, ?)').run(
      id,
      JSON.stringify({ role: 'assistant', content: 'from aigpt' }),
      new Date().toISOString(),
    );
    store.append(id, [{ role: 'user', content: 'd' }]);
    expect(contents(store, id)).toEqual(['A', 'c', 'from aigpt', 'd']);
  });

  it('reads another conversation whole, and the first again after it', () => {
    const { store, id } = openStore();
    store.append(id, [{ role: 'user', content: 'first' }]);
    expect(contents(store, id)).toEqual(['first']);
    const next = store.start();
    store.append(next, [{ role: 'user', content: 'second' }]);
    expect(contents(store, next)).toEqual(['second']);
    expect(contents(store, id)).toEqual(['first']);
  });

  it('keeps what it wrote itself without reading it back, exactly as a read of the file gives it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-readback-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'memory.db');
    const statements: string[] = [];
    const db = new Database(file, { verbose: (sql) => statements.push(String(sql)) });
    db.pragma('journal_mode = WAL');
    cleanup.push(() => db.close());
    const store = new ConversationStore(db, 'box');
    const id = store.current();
    store.append(id, [{ role: 'user', content: 'one' }]);
    store.messages(id);
    const odd = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'run_command', arguments: '{"command":"ls"}' } }],
      skipped: undefined,
      when: new Date(0),
      text: 'ü 日本',
    };
    store.append(id, [odd, { role: 'tool', tool_call_id: 'c1', content: 'ok' }]);
    statements.length = 0;
    const kept = store.messages(id);
    expect(statements.filter((s) => /aios_conversation_messages/.test(s) && /^\s*SELECT/i.test(s))).toEqual([]);
    // What a fresh reader of the file gets (the JSON written, parsed): undefined dropped, the date as text.
    const fresh = new ConversationStore(other(file), 'box').messages(id);
    expect(kept).toEqual(fresh);
    expect(kept.every((m) => Object.isFrozen(m.message))).toBe(true);
    // Another program's write after this store's own is still seen.
    other(file)
      .prepare('UPDATE aios_conversation_messages SET message = ? WHERE seq = ?')
      .run(JSON.stringify({ role: 'tool', tool_call_id: 'c1', content: 'changed' }), kept.at(-1)!.seq);
    expect(contents(store, id).at(-1)).toBe('changed');
  });
});
