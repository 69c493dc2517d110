import os from 'node:os';
import type Database from 'better-sqlite3';
import { ulid } from 'ulid';

/**
 * Chat conversations, kept in aios-owned tables (`aios_` prefix) of the
 * shared memory file so aigpt still opens it unchanged and a restart picks
 * the conversation up where it was. Messages are stored as the JSON the
 * model API uses, so nothing is lost in translation on restore.
 */
export interface StoredMessage {
  seq: number;
  /** An OpenAI chat message (role, content, tool_calls, tool_call_id, name). */
  message: Record<string, unknown>;
  createdAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS aios_conversations (
  id TEXT PRIMARY KEY,
  machine TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE TABLE IF NOT EXISTS aios_conversation_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES aios_conversations(id),
  message TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aios_conversation_messages_conv ON aios_conversation_messages(conversation_id, seq);
`;

const now = () => new Date().toISOString().replace('Z', '+00:00');

export class ConversationStore {
  private readonly machine: string;

  constructor(
    private readonly db: Database.Database,
    machine: string = os.hostname(),
  ) {
    this.machine = machine;
    db.exec(SCHEMA);
  }

  /** The open conversation of this machine, created when there is none. */
  current(): string {
    const row = this.db
      .prepare('SELECT id FROM aios_conversations WHERE closed_at IS NULL AND machine IS ? ORDER BY updated_at DESC, rowid DESC LIMIT 1')
      .get(this.machine) as { id: string } | undefined;
    return row?.id ?? this.start();
  }

  /** Closes the open conversation and starts an empty one (`/clear`). */
  start(): string {
    const id = ulid();
    const t = now();
    this.db.transaction(() => {
      this.db.prepare('UPDATE aios_conversations SET closed_at = ? WHERE closed_at IS NULL AND machine IS ?').run(t, this.machine);
      this.db.prepare('INSERT INTO aios_conversations (id, machine, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, this.machine, t, t);
    }).immediate();
    return id;
  }

  /** Appends messages as one unit: an assistant's tool calls are never stored without their results. */
  append(conversationId: string, messages: ReadonlyArray<Record<string, unknown>>): void {
    if (messages.length === 0) return;
    const t = now();
    const insert = this.db.prepare('INSERT INTO aios_conversation_messages (conversation_id, message, created_at) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const m of messages) insert.run(conversationId, JSON.stringify(m), t);
      this.db.prepare('UPDATE aios_conversations SET updated_at = ? WHERE id = ?').run(t, conversationId);
    }).immediate();
  }

  /** The newest `limit` messages, oldest first. */
  messages(conversationId: string, limit = 500): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT seq, message, created_at FROM aios_conversation_messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?')
      .all(conversationId, limit) as Array<{ seq: number; message: string; created_at: string }>;
    return rows.reverse().map((r) => ({ seq: r.seq, message: JSON.parse(r.message) as Record<string, unknown>, createdAt: r.created_at }));
  }
}
