import os from 'node:os';
import type Database from 'better-sqlite3';
import { DeferredWriter, type SavingState } from '../memory/deferred-writer';
import { ensureConversationTables } from '../memory/schema';
import { extendRun, fitSized, sizedRun, type SizedRun, type Windowed } from './window';
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

const now = () => new Date().toISOString().replace('Z', '+00:00');

/** SQLite failures that mean "this file cannot take writes now", as opposed to a bug. */
export { isTransientStorageError as isStorageError } from '../memory/deferred-writer';

export interface ConversationStoreOptions {
  /** The memory file's one writer (shared with the command history, so writes keep their order). Default: one of its own. */
  writer?: DeferredWriter;
  /** Told when saving stops and starts again (only with the store's own writer). */
  onSaving?: (state: SavingState) => void;
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
  if (value !== null && typeof value === 'object') {
    // Every message of a tool round passes here: a loop, not entries arrays built and thrown away.
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const v = redactDeep((value as Record<string, unknown>)[k], redact);
      // A key named __proto__ stays a key (an assignment would set the prototype).
      if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
    return out;
  }
  return value;
}

interface Unsaved {
  conversationId: string;
  message: Record<string, unknown>;
  createdAt: string;
}

/**
 * Writes go through a DeferredWriter: when the file refuses one (a lock, a
 * full disk) it waits, in order, and is retried until the file takes it;
 * meanwhile reads see it too, so the chat goes on and nothing said is lost.
 */
export class ConversationStore {
  private readonly machine: string;
  private readonly writer: DeferredWriter;
  private readonly redact: ((text: string) => string) | undefined;
  /** Messages accepted but not yet in the file, oldest first. */
  private readonly unsaved: Unsaved[] = [];
  /** A conversation started (`/clear`) while writes wait: it is the current one. */
  private startedUnsaved: string | undefined;

  constructor(
    private readonly db: Database.Database,
    machine: string = os.hostname(),
    options: ConversationStoreOptions = {},
  ) {
    this.machine = machine;
    this.redact = options.redact;
    this.writer = options.writer ?? new DeferredWriter({ path: db.name, onState: (st) => options.onSaving?.(st) });
    this.writer.write('conversation tables', () => ensureConversationTables(this.db));
  }

  /** True while accepted messages wait for the file. */
  get degraded(): boolean {
    return this.unsaved.length > 0 || this.startedUnsaved !== undefined;
  }

  /** The open conversation of this machine, created when there is none. */
  current(): string {
    if (this.startedUnsaved) return this.startedUnsaved;
    let row: { id: string } | undefined;
    try {
      row = this.db
        .prepare('SELECT id FROM aios_conversations WHERE closed_at IS NULL AND machine IS ? ORDER BY updated_at DESC, rowid DESC LIMIT 1')
        .get(this.machine) as { id: string } | undefined;
    } catch {
      row = undefined; // not even readable (the tables may not exist yet): a new one, saved when the file takes it
    }
    return row?.id ?? this.start();
  }

  /** Closes the open conversation and starts an empty one (`/clear`). */
  start(): string {
    const id = ulid();
    const t = now();
    this.startedUnsaved = id;
    this.writer.write(
      'new conversation',
      () =>
        this.db
          .transaction(() => {
            this.db.prepare('UPDATE aios_conversations SET closed_at = ? WHERE closed_at IS NULL AND machine IS ?').run(t, this.machine);
            this.db
              .prepare('INSERT OR IGNORE INTO aios_conversations (id, machine, created_at, updated_at) VALUES (?, ?, ?, ?)')
              .run(id, this.machine, t, t);
          })
          .immediate(),
      () => {
        if (this.startedUnsaved === id) this.startedUnsaved = undefined;
      },
    );
    return id;
  }

  /** The statements of every round, prepared once each (preparing costs more than running them). */
  private readonly statements = new Map<string, Database.Statement>();
  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Appends messages as one unit, in order; kept and retried while the file refuses writes. */
  append(conversationId: string, messages: ReadonlyArray<Record<string, unknown>>): void {
    if (messages.length === 0) return;
    const t = now();
    const redact = this.redact;
    const entries = messages.map((m) => ({
      conversationId,
      message: redact ? (redactDeep(m, redact) as Record<string, unknown>) : { ...m },
      createdAt: t,
    }));
    this.unsaved.push(...entries);
    // Held for a moment: written with the next write (the command history's row written ahead of a command, in one
    // transaction) or at the end of this turn of the event loop, so a tool round commits once before the command
    // and its result goes to the file after the next request has left. `messages()` shows it meanwhile.
    const stored = entries.map((e) => JSON.stringify(e.message));
    /** The seq each entry got in the transaction that reached the file (a retried write gets new ones). */
    let seqs: number[] = [];
    this.writer.hold(
      'conversation messages',
      () => {
        const insert = this.statement('INSERT INTO aios_conversation_messages (conversation_id, message, created_at) VALUES (?, ?, ?)');
        const write = () => {
          seqs = [];
          // The conversation's row: made if missing, its updated_at moved on if not.
          this.statement(
            'INSERT INTO aios_conversations (id, machine, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at',
          ).run(conversationId, this.machine, t, t);
          for (const json of stored) seqs.push(Number(insert.run(conversationId, json, t).lastInsertRowid));
        };
        // Held writes run inside the writer's transaction, which it rolls back whole when any of them fails: no savepoint.
        if (this.db.inTransaction) write();
        else this.db.transaction(write).immediate();
      },
      () => {
        for (const e of entries) {
          const i = this.unsaved.indexOf(e);
          if (i >= 0) this.unsaved.splice(i, 1);
        }
        this.keepOwn(conversationId, stored, seqs, t);
      },
    );
  }

  /**
   * Rows this store just committed join the rows kept from the last read, as
   * a read would give them (parsed from the text written), so the next read
   * need not ask the file for them. Only when they follow what is kept: a
   * kept read of another conversation, or one another program has written
   * after (its `data_version` then differs), is read again anyway.
   */
  private keepOwn(conversationId: string, stored: readonly string[], seqs: readonly number[], createdAt: string): void {
    // Taken in after this turn of the event loop (a command's write-ahead commits just before its spawn), or at the next read.
    this.ownWaiting.push({ conversationId, stored, seqs, createdAt });
    this.absorbing ??= setImmediate(() => this.absorbOwn());
  }

  private ownWaiting: Array<{ conversationId: string; stored: readonly string[]; seqs: readonly number[]; createdAt: string }> = [];
  private absorbing: NodeJS.Immediate | undefined;

  private absorbOwn(): void {
    if (this.absorbing) clearImmediate(this.absorbing);
    this.absorbing = undefined;
    const waiting = this.ownWaiting;
    this.ownWaiting = [];
    for (const w of waiting) this.keepOwnNow(w.conversationId, w.stored, w.seqs, w.createdAt);
  }

  private keepOwnNow(conversationId: string, stored: readonly string[], seqs: readonly number[], createdAt: string): void {
    const known = this.readBack;
    if (!known || known.conversationId !== conversationId || seqs.length !== stored.length) return;
    if (seqs.length === 0 || (known.rows.at(-1)?.seq ?? 0) >= seqs[0]!) return;
    const own = stored.map((json, i) => ({
      seq: seqs[i]!,
      message: deepFreeze(JSON.parse(json) as Record<string, unknown>),
      createdAt,
    }));
    const rows = [...known.rows, ...own].slice(-known.limit);
    // The messages alone follow, without a pass over every row (`messageContents`).
    const contents = this.contentsOf.get(known.rows);
    if (contents) this.contentsOf.set(rows, [...contents, ...own.map((o) => o.message)].slice(-known.limit));
    const run = this.runOf.get(known.rows);
    if (run)
      this.runOf.set(
        rows,
        extendRun(
          run,
          own.map((o) => o.message),
          known.rows.length + own.length - rows.length,
        ),
      );
    this.readBack = { ...known, rows };
  }

  /** One message by its seq, if it belongs to that conversation. */
  message(conversationId: string, seq: number): Record<string, unknown> | undefined {
    const row = this.db
      .prepare('SELECT message FROM aios_conversation_messages WHERE conversation_id = ? AND seq = ?')
      .get(conversationId, seq) as { message: string } | undefined;
    return row ? (JSON.parse(row.message) as Record<string, unknown>) : undefined;
  }

  /**
   * The newest messages read back so far, for the next request of the same
   * conversation: only rows added since are read and parsed. SQLite's
   * `data_version` says when another connection (another aios, aigpt, a
   * person's sqlite3) committed anything since; then everything is read
   * again. This connection itself only ever appends messages (seq is
   * AUTOINCREMENT: never reused), and this store is the only writer of its
   * tables on it: what it commits is added to the kept rows as it commits
   * (`keepOwn`), so while `data_version` holds, the kept rows are the file's
   * and nothing is read.
   */
  private readBack: { conversationId: string; version: number; limit: number; rows: StoredMessage[] } | undefined;

  private storedMessages(conversationId: string, limit: number): StoredMessage[] {
    type Row = { seq: number; message: string; created_at: string };
    const parse = (r: Row): StoredMessage => ({
      seq: r.seq,
      message: deepFreeze(JSON.parse(r.message) as Record<string, unknown>),
      createdAt: r.created_at,
    });
    if (this.ownWaiting.length > 0) this.absorbOwn();
    const version = this.statement('PRAGMA data_version').pluck().get() as number;
    const known = this.readBack;
    let rows: StoredMessage[];
    if (known && known.conversationId === conversationId && known.version === version && known.limit >= limit) {
      rows = known.rows;
    } else {
      const all = this.statement(
        'SELECT seq, message, created_at FROM aios_conversation_messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?',
      ).all(conversationId, limit) as Row[];
      rows = all.reverse().map(parse);
      this.readBack = { conversationId, version, limit, rows };
    }
    return rows.length > limit ? rows.slice(-limit) : rows;
  }

  private readable(conversationId: string, limit: number): StoredMessage[] {
    try {
      return this.storedMessages(conversationId, limit);
    } catch {
      this.readBack = undefined;
      return []; // unreadable for now: what is waiting is still shown
    }
  }

  /** The newest `limit` messages, oldest first (those still waiting for the file included). Shared and frozen: copy to change one. */
  messages(conversationId: string, limit = 500): StoredMessage[] {
    const stored = this.readable(conversationId, limit);
    const last = stored.at(-1)?.seq ?? 0;
    const waiting = this.unsaved
      .filter((u) => u.conversationId === conversationId)
      .map((u, i) => ({ seq: last + i + 1, message: u.message, createdAt: u.createdAt }));
    return waiting.length === 0 ? [...stored] : [...stored, ...waiting].slice(-limit);
  }

  /** The kept read-back rows' messages, mapped once per rows read or kept (a request per tool round asks for them). */
  private readonly contentsOf = new WeakMap<readonly StoredMessage[], ReadonlyArray<Record<string, unknown>>>();

  private contentsFor(stored: readonly StoredMessage[]): ReadonlyArray<Record<string, unknown>> {
    let contents = this.contentsOf.get(stored);
    if (!contents) {
      contents = stored.map((s) => s.message);
      this.contentsOf.set(stored, contents);
    }
    return contents;
  }

  private waitingMessages(conversationId: string): Array<Record<string, unknown>> {
    return this.unsaved.filter((u) => u.conversationId === conversationId).map((u) => u.message);
  }

  /** The messages alone of `messages()`: what a request is made of. Shared and frozen (those waiting aside): copy to change one. */
  messageContents(conversationId: string, limit = 500): Array<Record<string, unknown>> {
    const contents = this.contentsFor(this.readable(conversationId, limit));
    const waiting = this.waitingMessages(conversationId);
    return waiting.length === 0 ? [...contents] : [...contents, ...waiting].slice(-limit);
  }

  /** The sizes of the kept read-back rows' messages (see `SizedRun`), worked out once per rows read and extended as rows join. */
  private readonly runOf = new WeakMap<readonly StoredMessage[], SizedRun>();

  /**
   * `fitToBudget(messageContents(conversationId, limit), budgetChars)`: the newest whole turns that fit, without
   * measuring again the messages kept from the last read. Shared and frozen (those waiting aside).
   */
  windowed(conversationId: string, budgetChars: number, limit = 500): Windowed<Record<string, unknown>> {
    const stored = this.readable(conversationId, limit);
    const contents = this.contentsFor(stored);
    let run = this.runOf.get(stored);
    if (!run) {
      run = sizedRun(contents);
      this.runOf.set(stored, run);
    }
    return fitSized(contents, run, this.waitingMessages(conversationId), limit, budgetChars);
  }
}

/** `value`, every object and array in it frozen: messages read back are shared between requests, so none may change one. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
