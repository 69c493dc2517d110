/**
 * The command history row an action leaves is written ahead: before the gate
 * waits for the person, and before a command that runs at once is spawned.
 * A command that runs at once costs one write on the way to the spawn, not
 * two. Real SQLite file, real child process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Gate, type CommandPolicy } from '../../src/core/gate';
import { Executor, type RunOptions, type RunResult } from '../../src/core/executor/executor';
import { CommandLog, openMemoryStore, type CommandHistoryEntry } from '../../src/core/memory';
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
