import os from 'node:os';
import type Database from 'better-sqlite3';
import { readOnlyReason, writeTransaction } from './connection';
import type { DeferredWriter } from './deferred-writer';
import { interruptedRecord, ownerIsDead, ownerTag } from './write-ahead';
import { newUlid } from './format';
import { MemoryStore } from './store';
import { likePattern } from './text';
import {
  bound,
  capOutput,
  COMMAND_MAX,
  historyTimestamp,
  likeText,
  optInt,
  optText,
  toRow,
  type CommandEffects,
  type CommandHistoryEntry,
  type CommandHistoryRow,
  type HistoryDbRow,
  type HistoryQuery,
  type InterruptedCall,
} from './history-rows';

/**
 * Every command the executor ran or refused, in the aios-owned
 * `aios_command_history` table of the shared memory file, so history from
 * every container answers "what did I install yesterday?".
 */
export { ownerIsDead, ownerTag } from './write-ahead';
export {
  capOutput,
  COMMAND_MAX,
  historyTimestamp,
  OUTPUT_EXCERPT_MAX,
  type CommandEffects,
  type CommandHistoryEntry,
  type CommandHistoryRow,
  type HistoryQuery,
  type InterruptedCall,
} from './history-rows';

/** Completes a row `begin` wrote: every field replaced by the outcome. */
const FINISH_SQL = `UPDATE aios_command_history SET command = ?, decision = ?, matched_rule = ?, approver = ?, exit_code = ?, signal = ?, duration_ms = ?,
   started_at = ?, ended_at = ?, cwd = ?, machine = ?, output_excerpt = ?, output_truncated = ?, session_id = ?, call_id = ?, turn_id = ?,
   conversation_id = ?, record_json = ?, effects_json = COALESCE(?, effects_json), state = 'done', owner = NULL WHERE id = ?`;

/** An entry the table cannot take: a bug of the caller, thrown to it. */
function checkEntry(entry: CommandHistoryEntry): void {
  if (typeof entry.command !== 'string') throw new TypeError('command must be a string');
  if (typeof entry.decision !== 'string' || entry.decision.length === 0) throw new TypeError('decision is required');
}

export class CommandLog {
  private readonly store: MemoryStore;
  private readonly owned: boolean;
  private readonly insert: Database.Statement;
  /**
   * The store's connection, for the hot writes that already run inside `store.guard` (which checked the file as the
   * use began): the `connection` getter would check it again, a second stat per write.
   */
  private readonly db: Database.Database;
  private writer: DeferredWriter | undefined;

  /**
   * Shares an open MemoryStore's connection, or opens the file at `dbPath`
   * itself. `redact` is applied to the command, its output and its record
   * before they are stored: known secrets never reach the shared file.
   */
  constructor(
    storeOrPath: MemoryStore | string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {
    this.owned = typeof storeOrPath === 'string';
    this.store = typeof storeOrPath === 'string' ? new MemoryStore(storeOrPath) : storeOrPath;
    this.db = this.store.guard(() => this.store.connection);
    this.insert = this.store.guard(() =>
      this.db.prepare(
        `INSERT INTO aios_command_history (id, command, decision, matched_rule, approver, exit_code, signal, duration_ms,
         started_at, ended_at, cwd, machine, output_excerpt, output_truncated, session_id, call_id, turn_id, conversation_id, record_json, state, owner)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    );
  }

  get path(): string {
    return this.store.path;
  }

  /** Stores one finished entry, with what it changed when it ran as a transaction (one write transaction), and returns its ULID. */
  record(entry: CommandHistoryEntry, effects?: CommandEffects): string {
    const id = newUlid();
    const values = this.values(entry);
    const json = effects && this.effectsJson(effects);
    this.write('history row', () =>
      writeTransaction(this.store.connection, () => {
        this.insert.run(id, ...values, 'done', null);
        if (json) this.statement('UPDATE aios_command_history SET effects_json = ? WHERE id = ?').run(json, id);
      }),
    );
    return id;
  }

  /**
   * From now on writes go through `writer`: one the file refuses for a
   * passing reason waits (in order with the conversation's) and is retried,
   * instead of failing. Returns this.
   */
  useWriter(writer: DeferredWriter): this {
    this.writer = writer;
    return this;
  }

  /** The hot-path statements, prepared once each (preparing costs more than running them). */
  private readonly statements = new Map<string, Database.Statement>();
  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.store.connection.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /**
   * One statement: atomic by itself, so inside a transaction already open (the writer's, which commits this row with
   * the conversation's waiting messages) it needs no savepoint of its own; alone, it takes the write lock first.
   */
  private writeOne<T>(run: () => T): T {
    const db = this.db; // only ever run inside store.guard
    return db.inTransaction && !readOnlyReason(db) ? run() : writeTransaction(db, run);
  }

  private write(label: string, fn: () => void): void {
    if (this.writer) this.writer.write(label, () => this.store.guard(fn));
    else this.store.guard(fn);
  }

  /**
   * Write-ahead: stores the entry as `running` before the command or tool
   * runs, so a crash leaves a row that the next start marks interrupted.
   * `finish` completes the same row.
   */
  begin(entry: CommandHistoryEntry): string {
    const id = newUlid();
    const values = this.values(entry);
    this.write('history row', () => this.writeOne(() => this.insert.run(id, ...values, 'running', ownerTag())));
    return id;
  }

  /**
   * Completes a row `begin` wrote with the outcome (every field replaced) and, for a transaction, what it changed, in
   * the same write; false when the row is gone.
   */
  finish(id: string, entry: CommandHistoryEntry, effects?: CommandEffects): boolean {
    const v = this.values(entry);
    const json = effects ? this.effectsJson(effects) : null;
    let changed = true;
    this.write('history row', () =>
      writeTransaction(this.store.connection, () => {
        const r = this.statement(FINISH_SQL).run(...v, json, id);
        changed = r.changes > 0;
      }),
    );
    return changed;
  }

  /**
   * Rows left `running` by a process of this host that is gone (killed,
   * crashed, power cut): marked `interrupted`, their structured record given
   * an ending that says so. Rows of live processes and other hosts are left
   * alone. Returns what was marked, oldest first.
   */
  sweepInterrupted(reason: string, isDead: (owner: string) => boolean = ownerIsDead): InterruptedCall[] {
    this.settle();
    return this.store.guard(() =>
      writeTransaction(this.store.connection, () => {
        const rows = this.store.connection
          .prepare(
            "SELECT id, command, owner, call_id, turn_id, conversation_id, record_json, started_at FROM aios_command_history WHERE state = 'running' ORDER BY started_at, id",
          )
          .all() as Array<{
          id: string;
          command: string;
          owner: string | null;
          call_id: string | null;
          turn_id: string | null;
          conversation_id: string | null;
          record_json: string | null;
          started_at: string;
        }>;
        const marked: InterruptedCall[] = [];
        const update = this.store.connection.prepare(
          "UPDATE aios_command_history SET state = 'interrupted', ended_at = ?, output_excerpt = ?, record_json = ? WHERE id = ?",
        );
        const ended = historyTimestamp(new Date());
        for (const r of rows) {
          if (r.owner !== null && !isDead(r.owner)) continue;
          update.run(ended, reason, interruptedRecord(r.record_json, reason), r.id);
          const ran = r.record_json === null || r.record_json.includes('"running":true');
          marked.push({
            id: r.id,
            command: r.command,
            callId: r.call_id,
            turnId: r.turn_id,
            conversationId: r.conversation_id,
            startedAt: r.started_at,
            ran,
          });
        }
        return marked;
      }),
    );
  }

  /** Replaces the structured record of a row (a running command's card as it stands). */
  updateRecord(id: string, record: unknown): void {
    const json = JSON.stringify(record, (_key, value: unknown) => (typeof value === 'string' ? this.redact(value) : value));
    this.write('history record', () =>
      writeTransaction(this.store.connection, () =>
        this.statement('UPDATE aios_command_history SET record_json = ? WHERE id = ?').run(json, id),
      ),
    );
  }

  /** What a command run as a transaction did, as stored (paths and package names redacted like the rest). */
  private effectsJson(effects: CommandEffects): string {
    return JSON.stringify(effects, (_key, value: unknown) => (typeof value === 'string' ? this.redact(value) : value));
  }

  /** Stores what a command run as a transaction did with its row. */
  setEffects(id: string, effects: CommandEffects): void {
    const json = this.effectsJson(effects);
    this.write('history effects', () =>
      writeTransaction(this.store.connection, () =>
        this.store.connection.prepare('UPDATE aios_command_history SET effects_json = ? WHERE id = ?').run(json, id),
      ),
    );
  }

  /**
   * `finish`, or, when the row `begin` wrote is gone, the whole entry as a new
   * row, in one write that may wait a moment: it is committed with the next
   * write (the conversation's tool result, the next command's row) or at the
   * end of this turn of the event loop, so a command's end costs no commit of
   * its own between its exit and the next request. Reads of this log see it
   * at once (they write what waits first). A crash before it reaches the file
   * leaves the row `running`, which the next start marks interrupted (it ran).
   */
  complete(id: string, entry: CommandHistoryEntry, effects?: CommandEffects): void {
    checkEntry(entry);
    const now = new Date();
    /** The id of a whole new row, made only if the row `begin` wrote is gone. */
    let newId: string | undefined;
    // What is stored (the redacted output and record as JSON) is worked out when it is written, off the way to the next request.
    const run = () =>
      this.store.guard(() =>
        writeTransaction(this.db, () => {
          const v = this.values(entry, now);
          const json = effects ? this.effectsJson(effects) : null;
          const r = this.statement(FINISH_SQL).run(...v, json, id);
          if (r.changes > 0) return;
          newId ??= newUlid();
          this.insert.run(newId, ...v, 'done', null);
          if (json) this.statement('UPDATE aios_command_history SET effects_json = ? WHERE id = ?').run(json, newId);
        }),
      );
    if (this.writer) this.writer.hold('history row', run);
    else run();
  }

  /** Writes what waits in the writer first, so a read of this log finds every row this process wrote. */
  private settle(): void {
    this.writer?.flushHeld();
  }

  /** Call ids that a live process is still running (its row says `running`). */
  runningCallIds(isDead: (owner: string) => boolean = ownerIsDead): Set<string> {
    this.settle();
    const rows = this.store.guard(
      () =>
        this.store.connection
          .prepare("SELECT call_id, owner FROM aios_command_history WHERE state = 'running' AND call_id IS NOT NULL")
          .all() as Array<{ call_id: string; owner: string | null }>,
    );
    return new Set(rows.filter((r) => r.owner !== null && !isDead(r.owner)).map((r) => r.call_id));
  }

  /** The row's values; `now` is its start when the entry has none. */
  private values(given: CommandHistoryEntry, now: Date = new Date()): unknown[] {
    checkEntry(given);
    const entry: CommandHistoryEntry = {
      ...given,
      command: this.redact(given.command),
      ...(typeof given.outputExcerpt === 'string' ? { outputExcerpt: this.redact(given.outputExcerpt) } : {}),
    };
    const started = historyTimestamp(entry.startedAt ?? now);
    const ended = entry.endedAt === undefined || entry.endedAt === null ? null : historyTimestamp(entry.endedAt);
    const output = entry.outputExcerpt === undefined || entry.outputExcerpt === null ? null : capOutput(String(entry.outputExcerpt));
    const machine = entry.machine === undefined ? os.hostname() : optText(entry.machine);
    return [
      entry.command.slice(0, COMMAND_MAX),
      entry.decision,
      optText(entry.matchedRule),
      optText(entry.approver),
      optInt(entry.exitCode),
      optText(entry.signal),
      optInt(entry.durationMs),
      started,
      ended,
      optText(entry.cwd),
      machine,
      output?.text ?? null,
      output?.truncated ? 1 : 0,
      optText(entry.sessionId),
      optText(entry.callId),
      optText(entry.turnId),
      optText(entry.conversationId),
      entry.record === undefined || entry.record === null
        ? null
        : JSON.stringify(entry.record, (_key, value: unknown) => (typeof value === 'string' ? this.redact(value) : value)),
    ];
  }

  /** Newest first. */
  query(q: HistoryQuery = {}, now: Date = new Date()): CommandHistoryRow[] {
    this.settle();
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    const since = bound(q.since, 'since', now);
    const until = bound(q.until, 'until', now);
    if (since !== undefined) add('started_at >= ?', since);
    if (until !== undefined) add('started_at < ?', until);
    if (q.decision !== undefined) add('decision = ?', q.decision);
    if (q.sessionId !== undefined) add('session_id = ?', q.sessionId);
    for (const term of (q.text ?? '').split(/\s+/).filter((t) => t.length > 0)) {
      add("(command LIKE ? ESCAPE '\\' OR output_excerpt LIKE ? ESCAPE '\\')", likePattern(term), likePattern(term));
    }
    // Paths are stored as "<change> /abs/path" strings in the JSON: a match at the path's start, on a component boundary.
    if (q.changed !== undefined) {
      const dir = q.changed.replace(/\/+$/, '') || '/';
      add(
        "(effects_json LIKE ? ESCAPE '\\' OR effects_json LIKE ? ESCAPE '\\')",
        `% ${likeText(dir)}"%`,
        `% ${likeText(dir === '/' ? '' : dir)}/%`,
      );
    }
    if (q.packageName !== undefined) add("effects_json LIKE ? ESCAPE '\\'", `%"packages":%${likeText(q.packageName)}%`);
    const limit = Math.min(1000, Math.max(1, Math.floor(q.limit ?? 100)));
    const sql = `SELECT * FROM aios_command_history ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, id DESC LIMIT ?`;
    return this.store.guard(() => (this.store.connection.prepare(sql).all(...params, limit) as HistoryDbRow[]).map(toRow));
  }

  /**
   * The structured records stored for these call ids (parsed JSON, not yet
   * validated: the caller checks the shape), newest per call id.
   */
  recordsFor(callIds: readonly string[]): Map<string, unknown> {
    this.settle();
    const found = new Map<string, unknown>();
    const ids = [...new Set(callIds)];
    const select = this.store.guard(() =>
      this.store.connection.prepare(
        'SELECT call_id, record_json FROM aios_command_history WHERE call_id IN (SELECT value FROM json_each(?)) AND record_json IS NOT NULL ORDER BY started_at, id',
      ),
    );
    // In slices, so one read never holds a huge parameter.
    for (let i = 0; i < ids.length; i += 500) {
      const rows = this.store.guard(
        () => select.all(JSON.stringify(ids.slice(i, i + 500))) as Array<{ call_id: string; record_json: string }>,
      );
      for (const r of rows) {
        try {
          found.set(r.call_id, JSON.parse(r.record_json) as unknown);
        } catch {
          // A damaged row: the card falls back to what the model was given.
        }
      }
    }
    return found;
  }

  count(): number {
    this.settle();
    return this.store.guard(() => this.store.connection.prepare('SELECT count(*) FROM aios_command_history').pluck().get() as number);
  }

  /** Closes the file only if this CommandLog opened it. */
  close(): void {
    if (this.owned) this.store.close();
  }
}
