import os from 'node:os';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandLog } from '../../src/core/memory';
import { historyResultLabel } from '../../src/shared/history-result';
import { startHarness, type Harness } from '../agent/harness';
import { startLlmServer, type LlmServer } from '../support/llm-server';
import { makeTempDir, type TempDir } from '../support/temp';

let server: LlmServer | undefined;
let h: Harness | undefined;
let tmp: TempDir | undefined;
afterEach(async () => {
  await h?.close();
  await server?.close();
  tmp?.cleanup();
  h = server = tmp = undefined;
});

describe('every tool call leaves a history row', () => {
  it('an unknown tool and unparseable run_command arguments are rows too', async () => {
    server = await startLlmServer();
    h = await startHarness({ ai: { base_url: server.baseUrl, model: 'scripted' }, lists: {} });
    server.push(
      {
        toolCalls: [
          { id: 'c1', name: 'no_such_tool', arguments: { x: 1 } },
          { id: 'c2', name: 'run_command', arguments: '{"command": ' },
        ],
      },
      { text: 'ok' },
    );
    await h.turn('go');
    const rows = (await h.call('commandLog.list', {})) as { items: Array<{ command: string; decision: string }> };
    expect(rows.items.map((r) => r.command)).toEqual(
      expect.arrayContaining([expect.stringContaining('no_such_tool'), expect.stringContaining('run_command')]),
    );
    expect(rows.items.every((r) => r.decision === 'refused')).toBe(true);
  });
});

describe('write-ahead rows', () => {
  it('a running row of a dead process is marked interrupted; of a live process or another host, left alone', () => {
    tmp = makeTempDir('aios-wal-');
    const history = new CommandLog(tmp.join('memory.db'));
    const dead = history.begin({
      command: 'sleep 1',
      decision: 'auto_allow',
      callId: 'dead',
      record: { callId: 'dead', start: { command: 'sleep 1', decision: 'auto_allow' }, running: true },
    });
    const live = history.begin({ command: 'sleep 2', decision: 'auto_allow', callId: 'live' });
    const other = history.begin({ command: 'sleep 3', decision: 'auto_allow', callId: 'other' });
    const owners = new Map([
      [dead, `${os.hostname()}/999999999`],
      [other, 'elsewhere/1'],
    ]);
    const db = (history as unknown as { store: { connection: Database.Database } }).store.connection;
    for (const [id, owner] of owners) db.prepare('UPDATE aios_command_history SET owner = ? WHERE id = ?').run(owner, id);
    const marked = history.sweepInterrupted('interrupted: test');
    expect(marked.map((m) => m.callId)).toEqual(['dead']);
    const state = new Map(history.query({}).map((r) => [r.callId, r.state]));
    expect(state).toEqual(
      new Map([
        ['dead', 'interrupted'],
        ['live', 'running'],
        ['other', 'running'],
      ]),
    );
    expect(history.recordsFor(['dead']).get('dead')).toMatchObject({ done: { ran: true, refusal: 'interrupted: test', cancelled: true } });
    // Another host's row may still run there: it is never answered as interrupted from here.
    expect(history.runningCallIds()).toEqual(new Set(['live', 'other']));
    expect(history.finish(live, { command: 'sleep 2', decision: 'auto_allow', exitCode: 0, durationMs: 5, callId: 'live' })).toBe(true);
    expect(history.query({}).find((r) => r.callId === 'live')?.state).toBe('done');
    history.close();
  });

  it('/history labels: a successful MCP call is done, not stopped', () => {
    expect(historyResultLabel({ exitCode: null, durationMs: 12, signal: null })).toBe('done');
    expect(historyResultLabel({ exitCode: null, durationMs: 12, signal: 'SIGTERM' })).toBe('stopped (SIGTERM)');
    expect(historyResultLabel({ exitCode: 0, durationMs: 12 })).toBe('exit 0');
    expect(historyResultLabel({ exitCode: null, durationMs: null, state: 'interrupted' })).toBe('interrupted');
  });
});
