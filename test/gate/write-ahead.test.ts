/**
 * The command history row an action leaves is written ahead: before the gate
 * waits for the person, and before a command that runs at once is spawned.
 * A command that runs at once costs one write on the way to the spawn, not
 * two. Real SQLite file, real child process.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Gate, type CommandPolicy } from '../../src/core/gate';
import { Executor, type RunOptions, type RunResult } from '../../src/core/executor/executor';
import { CommandLog, openMemoryStore, type CommandHistoryEntry } from '../../src/core/memory';
import { DeferredWriter } from '../../src/core/memory/deferred-writer';
import type { Decision } from '../../src/shared/policy';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
afterEach(() => tmp?.cleanup());

/** Counts the writes the gate makes to the history on the way to the spawn, and what the file holds then. */
class CountingLog extends CommandLog {
  writes: string[] = [];
  override begin(entry: CommandHistoryEntry): string {
    this.writes.push('begin');
    return super.begin(entry);
  }
  override updateRecord(id: string, record: unknown): void {
    this.writes.push('updateRecord');
    super.updateRecord(id, record);
  }
}

function gateFor(decision: Decision, log: CountingLog, seen: { atSpawn?: string[]; atAsk?: unknown[] }) {
  const policy: CommandPolicy = {
    decide: () => ({ decision, segments: [], reasons: [], fallback: false }),
    decideTool: () => {
      throw new Error('unused');
    },
    describe: () => '',
  };
  class Spying extends Executor {
    override run(o: RunOptions): Promise<RunResult> {
      seen.atSpawn = [...log.writes];
      return super.run(o);
    }
  }
  return new Gate({
    cwd: tmp.path,
    policy: async () => policy,
    executor: new Spying({ drainMs: 0 }),
    approver: {
      approve: async () => {
        seen.atAsk = log.query({ text: 'printf' }).map((r) => r.decision);
        return 'approved';
      },
    },
    emit: () => undefined,
    approvalTimeoutMs: 10_000,
    commandTimeoutMs: 10_000,
    commandLog: log,
  });
}

const action = () => ({
  kind: 'command' as const,
  command: 'printf ok',
  cwd: tmp.path,
  callId: 'c1',
  turnId: null,
  signal: new AbortController().signal,
});

describe('the write-ahead history row', () => {
  it('a command that runs at once: one write before the spawn, a running row that says it ran, then done', async () => {
    tmp = makeTempDir('aios-write-ahead-');
    const log = new CountingLog(openMemoryStore(tmp.join('m.db')));
    const seen: { atSpawn?: string[] } = {};
    const out = await gateFor('auto_allow', log, seen).pass(action());
    expect(out.ran).toBe(true);
    expect(seen.atSpawn).toEqual(['begin']);
    const [row] = log.query({ text: 'printf ok' });
    expect(row).toMatchObject({ decision: 'auto_allow', exitCode: 0 });
  });

  it('a command that waits for the person has its row before the question is asked', async () => {
    tmp = makeTempDir('aios-write-ahead-');
    const log = new CountingLog(openMemoryStore(tmp.join('m.db')));
    const seen: { atSpawn?: string[]; atAsk?: unknown[] } = {};
    const out = await gateFor('require_approval', log, seen).pass(action());
    expect(out.ran).toBe(true);
    expect(seen.atAsk).toEqual(['require_approval']);
    expect(seen.atSpawn).toEqual(['begin', 'updateRecord']);
  });
});

describe('with the conversation held by the shared writer', () => {
  /** A gate whose history shares a writer that holds writes, as the chat's (chat-parts.ts); `held` stands for the model's call. */
  function world() {
    tmp = makeTempDir('aios-write-ahead-held-');
    const store = openMemoryStore(tmp.join('m.db'));
    const db = store.connection;
    db.exec('CREATE TABLE conv (text TEXT)');
    let transactions = 0;
    const writer = new DeferredWriter({
      path: tmp.join('m.db'),
      onState: () => undefined,
      transaction: (fn) => {
        transactions++;
        db.transaction(fn).immediate();
      },
    });
    const log = new CountingLog(store).useWriter(writer);
    // What another program reading the file sees.
    const other = new Database(tmp.join('m.db'), { readonly: true });
    const inFile = () => ({
      conv: other.prepare('SELECT text FROM conv').pluck().all(),
      rows: other.prepare('SELECT state FROM aios_command_history').pluck().all(),
    });
    const held = () => writer.hold('the call', () => void db.prepare("INSERT INTO conv VALUES ('the call')").run());
    const policy: CommandPolicy = {
      decide: () => ({ decision: 'auto_allow', segments: [], reasons: [], fallback: false }),
      decideTool: (f) => ({ decision: 'auto_allow', server: f.server, tool: f.tool, reasons: [], fallback: false }),
      describe: () => '',
    };
    const seen: { atSpawn?: ReturnType<typeof inFile>; transactionsAtSpawn?: number } = {};
    class Spying extends Executor {
      override run(o: RunOptions): Promise<RunResult> {
        seen.atSpawn = inFile();
        seen.transactionsAtSpawn = transactions;
        return super.run(o);
      }
    }
    const gate = new Gate({
      cwd: tmp.path,
      policy: async () => policy,
      executor: new Spying({ drainMs: 0 }),
      approver: { approve: async () => 'approved' },
      emit: () => undefined,
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 10_000,
      commandLog: log,
    });
    const close = () => {
      writer.close();
      other.close();
    };
    return { gate, held, inFile, seen, close };
  }

  it('a command: the call and the running row reach the file together, before the spawn', async () => {
    const w = world();
    w.held();
    expect(w.inFile().conv).toEqual([]);
    const out = await w.gate.pass(action());
    expect(out.ran).toBe(true);
    expect(w.seen.atSpawn).toEqual({ conv: ['the call'], rows: ['running'] });
    expect(w.seen.transactionsAtSpawn).toBe(1);
    w.close();
  });

  it('a tool call: the call is in the file (with its row) when the tool starts', async () => {
    const w = world();
    w.held();
    let atExec: ReturnType<typeof w.inFile> | undefined;
    const out = await w.gate.pass({
      kind: 'tool',
      turnId: 't1',
      callId: 'c2',
      name: 'fs__read_file',
      facts: { server: 'fs', tool: 'read_file', args: {} },
      rawArguments: '{}',
      signal: new AbortController().signal,
      exec: async () => {
        atExec = w.inFile();
        return { ok: true as const, value: 'read' };
      },
    });
    expect(out.ran).toBe(true);
    expect(atExec?.conv).toEqual(['the call']);
    w.close();
  });
});
