import os from 'node:os';
import Database from 'better-sqlite3';
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

/** SQLite failures that mean "this file cannot take writes now", as opposed to a bug. */
const STORAGE_CODES = /^SQLITE_(READONLY|BUSY|LOCKED|IOERR|FULL|CANTOPEN|PERM|CORRUPT|NOTADB)/;

export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && STORAGE_CODES.test(code);
}

export interface ConversationStoreOptions {
  /** Told once when the file stops taking writes and the conversation goes on in memory. */
  onDegraded?: (reason: string) => void;
  /**
   * Applied to every string of a message before it is stored: known secrets
   * never reach the shared memory file, nor (since the model is sent what is
   * stored) the model.
   */
  redact?: (text: string) => string;
}

/** `value` with `redact` applied to every string in it. */
function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)]));
  return value;
}

export class ConversationStore {
  private readonly machine: string;
  /** Where conversations go once the file refused a write: the chat goes on, unsaved. */
  private fallback: Database.Database | undefined;

  constructor(
    private readonly file: Database.Database,
    machine: string = os.hostname(),
    private readonly options: ConversationStoreOptions = {},
  ) {
    this.machine = machine;
    this.write(() => this.db.exec(SCHEMA));
  }

  private get db(): Database.Database {
    return this.fallback ?? this.file;
  }

  /** Runs a write; when the file refuses it, moves to memory (once) and runs it there. */
  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (this.fallback || !isStorageError(err)) throw err;
      this.degrade(err as Error);
      return fn();
    }
  }

  private degrade(err: Error): void {
    const memory = new Database(':memory:');
    memory.exec(SCHEMA);
    try {
      // Keep what was said so far, so the model still has the context.
      const conv = this.file
        .prepare('SELECT id, machine, created_at, updated_at FROM aios_conversations WHERE closed_at IS NULL AND machine IS ? ORDER BY updated_at DESC, rowid DESC LIMIT 1')
        .get(this.machine) as { id: string; machine: string | null; created_at: string; updated_at: string } | undefined;
      if (conv) {
        memory.prepare('INSERT INTO aios_conversations (id, machine, created_at, updated_at) VALUES (?, ?, ?, ?)').run(conv.id, conv.machine, conv.created_at, conv.updated_at);
        const rows = this.file.prepare('SELECT message, created_at FROM aios_conversation_messages WHERE conversation_id = ? ORDER BY seq').all(conv.id) as Array<{ message: string; created_at: string }>;
        const insert = memory.prepare('INSERT INTO aios_conversation_messages (conversation_id, message, created_at) VALUES (?, ?, ?)');
        for (const r of rows) insert.run(conv.id, r.message, r.created_at);
      }
    } catch {
      // The file cannot even be read: start the in-memory conversation empty.
    }
    this.fallback = memory;
    this.options.onDegraded?.(err.message);
  }

  /** True once the file refused a write and conversations live in memory only. */
  get degraded(): boolean {
    return this.fallback !== undefined;
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
    this.write(() =>
      this.db.transaction(() => {
        this.db.prepare('UPDATE aios_conversations SET closed_at = ? WHERE closed_at IS NULL AND machine IS ?').run(t, this.machine);
        this.db.prepare('INSERT INTO aios_conversations (id, machine, created_at, updated_at) VALUES (?, ?, ?, ?)').run(id, this.machine, t, t);
      }).immediate(),
    );
    return id;
  }

  /** Appends messages as one unit: an assistant's tool calls are never stored without their results. */
  append(conversationId: string, messages: ReadonlyArray<Record<string, unknown>>): void {
    if (messages.length === 0) return;
    const t = now();
    this.write(() => {
      const insert = this.db.prepare('INSERT INTO aios_conversation_messages (conversation_id, message, created_at) VALUES (?, ?, ?)');
      this.db.transaction(() => {
        if (!this.db.prepare('SELECT 1 FROM aios_conversations WHERE id = ?').get(conversationId)) {
          // Moved to memory after this conversation began and before it could be copied: recreate its row.
          this.db.prepare('INSERT INTO aios_conversations (id, machine, created_at, updated_at) VALUES (?, ?, ?, ?)').run(conversationId, this.machine, t, t);
        }
        const redact = this.options.redact;
        for (const m of messages) insert.run(conversationId, JSON.stringify(redact ? redactDeep(m, redact) : m), t);
        this.db.prepare('UPDATE aios_conversations SET updated_at = ? WHERE id = ?').run(t, conversationId);
      }).immediate();
    });
  }

  /** One message by its seq, if it belongs to that conversation. */
  message(conversationId: string, seq: number): Record<string, unknown> | undefined {
    const row = this.db.prepare('SELECT message FROM aios_conversation_messages WHERE conversation_id = ? AND seq = ?').get(conversationId, seq) as { message: string } | undefined;
    return row ? (JSON.parse(row.message) as Record<string, unknown>) : undefined;
  }

  /** The newest `limit` messages, oldest first. */
  messages(conversationId: string, limit = 500): StoredMessage[] {
    const rows = this.db
      .prepare('SELECT seq, message, created_at FROM aios_conversation_messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?')
      .all(conversationId, limit) as Array<{ seq: number; message: string; created_at: string }>;
    return rows.reverse().map((r) => ({ seq: r.seq, message: JSON.parse(r.message) as Record<string, unknown>, createdAt: r.created_at }));
  }
}
