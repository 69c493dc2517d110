import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandLog, OUTPUT_EXCERPT_MAX, openMemoryStore, type MemoryStore } from '../../src/core/memory';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore;
let history: CommandLog;
beforeEach(() => {
  tmp = makeTempDir('aios-history-');
  store = openMemoryStore(tmp.join('memory.db'));
  history = new CommandLog(store);
});
afterEach(() => {
  history.close();
  store.close();
  tmp.cleanup();
});

const now = new Date(2025, 10, 12, 15, 30);
const at = (d: number, h: number): Date => new Date(2025, 10, d, h, 0);

describe('command history', () => {
  it('records every field and reads it back', () => {
    const id = history.record({
      command: 'pacman -S nginx',
      decision: 'notify',
      matchedRule: 'pacman -S*',
      approver: 'auto',
      exitCode: 0,
      signal: null,
      durationMs: 1234.4,
      startedAt: '2025-11-11T10:00:00.000Z',
      endedAt: new Date('2025-11-11T10:00:01.234Z'),
      cwd: '/home/me',
      machine: 'aios-1',
      outputExcerpt: 'installing nginx...',
      sessionId: 'conv-1',
      callId: 'call_1',
      turnId: 'turn-1',
      conversationId: 'conv-1',
      record: { callId: 'call_1', any: ['json'] },
    });
    expect(id).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(history.query({})).toEqual([
      {
        id,
        command: 'pacman -S nginx',
        decision: 'notify',
        matchedRule: 'pacman -S*',
        approver: 'auto',
        exitCode: 0,
        signal: null,
        durationMs: 1234,
        startedAt: '2025-11-11T10:00:00.000+00:00',
        endedAt: '2025-11-11T10:00:01.234+00:00',
        cwd: '/home/me',
        machine: 'aios-1',
        outputExcerpt: 'installing nginx...',
        outputTruncated: false,
        sessionId: 'conv-1',
        callId: 'call_1',
        turnId: 'turn-1',
        state: 'done',
        effects: null,
        conversationId: 'conv-1',
      },
    ]);
    expect(history.recordsFor(['call_1', 'call_unknown'])).toEqual(new Map([['call_1', { callId: 'call_1', any: ['json'] }]]));
  });

  it('records refusals too, and defaults the machine to this host', () => {
    history.record({ command: 'rm -rf /', decision: 'deny', matchedRule: 'rm -rf /', approver: null });
    const [row] = history.query({ decision: 'deny' });
    expect(row).toMatchObject({ command: 'rm -rf /', decision: 'deny', exitCode: null, machine: os.hostname(), approver: null });
  });

  it('caps the stored output, keeping head and tail', () => {
    const output = `HEAD-${'x'.repeat(20_000)}-TAIL`;
    history.record({ command: 'make', decision: 'auto_allow', outputExcerpt: output });
    const [row] = history.query({});
    expect(row!.outputTruncated).toBe(true);
    expect(row!.outputExcerpt!.length).toBeLessThanOrEqual(OUTPUT_EXCERPT_MAX + 60);
    expect(row!.outputExcerpt!.startsWith('HEAD-')).toBe(true);
    expect(row!.outputExcerpt!.endsWith('-TAIL')).toBe(true);
    expect(row!.outputExcerpt).toMatch(/characters omitted/);
  });

  it('answers by natural time range and words, newest first', () => {
    history.record({ command: 'pacman -S htop', decision: 'notify', startedAt: at(10, 9) });
    history.record({ command: 'ls -la', decision: 'auto_allow', startedAt: at(11, 8) });
    history.record({ command: 'pacman -S ripgrep', decision: 'notify', startedAt: at(11, 20), outputExcerpt: 'installing ripgrep' });
    history.record({ command: 'cargo install bat', decision: 'notify', startedAt: at(11, 22), outputExcerpt: 'Installing bat v0.24' });
    history.record({ command: 'pacman -S tmux', decision: 'notify', startedAt: at(12, 10) });
    const cmds = (q: Parameters<CommandLog['query']>[0]) => history.query(q, now).map((r) => r.command);
    expect(cmds({ since: 'yesterday', until: 'yesterday' })).toEqual(['cargo install bat', 'pacman -S ripgrep', 'ls -la']);
    expect(cmds({ since: 'yesterday', until: 'yesterday', text: 'install' })).toEqual(['cargo install bat', 'pacman -S ripgrep']);
    expect(cmds({ since: 'today' })).toEqual(['pacman -S tmux']);
    expect(cmds({ since: 'this week', text: 'pacman -S' })).toEqual(['pacman -S tmux', 'pacman -S ripgrep', 'pacman -S htop']);
    expect(cmds({ since: at(11, 21), until: at(12, 0) })).toEqual(['cargo install bat']);
    expect(cmds({ text: '100%' })).toEqual([]);
    expect(cmds({ limit: 2 })).toHaveLength(2);
    expect(() => history.query({ since: 'the day before the thing' })).toThrow(/cannot read/);
  });

  it('is shared by every process that opens the file', () => {
    history.record({ command: 'echo from one', decision: 'auto_allow' });
    const second = new CommandLog(tmp.join('memory.db'));
    try {
      second.record({ command: 'echo from two', decision: 'auto_allow' });
      expect(
        history
          .query({ text: 'echo' })
          .map((r) => r.command)
          .sort(),
      ).toEqual(['echo from one', 'echo from two']);
      expect(second.count()).toBe(2);
    } finally {
      second.close();
    }
  });

  it('adds the record columns to a table written before them, keeping its rows', () => {
    const old = tmp.join('old.db');
    const db = new Database(old);
    db.exec(`CREATE TABLE aios_command_history (id TEXT PRIMARY KEY, command TEXT NOT NULL, decision TEXT NOT NULL,
      matched_rule TEXT, approver TEXT, exit_code INTEGER, signal TEXT, duration_ms INTEGER, started_at TEXT NOT NULL,
      ended_at TEXT, cwd TEXT, machine TEXT, output_excerpt TEXT, output_truncated INTEGER NOT NULL DEFAULT 0, session_id TEXT)`);
    db.prepare(
      "INSERT INTO aios_command_history (id, command, decision, started_at) VALUES ('01OLD', 'ls', 'notify', '2025-01-01T00:00:00.000+00:00')",
    ).run();
    db.close();
    const s2 = openMemoryStore(old);
    const h2 = new CommandLog(s2);
    try {
      expect(h2.query({}).map((r) => [r.command, r.callId])).toEqual([['ls', null]]);
      h2.record({ command: 'pwd', decision: 'notify', callId: 'c9', record: { ok: true } });
      expect(h2.recordsFor(['c9'])).toEqual(new Map([['c9', { ok: true }]]));
    } finally {
      h2.close();
      s2.close();
    }
  });

  it('rejects entries without command or decision', () => {
    expect(() => history.record({ command: 'x', decision: '' })).toThrow(TypeError);
    expect(() => history.record({ decision: 'deny' } as never)).toThrow(TypeError);
    expect(() => history.record({ command: 'x', decision: 'deny', startedAt: 'garbage' })).toThrow(RangeError);
    expect(history.count()).toBe(0);
  });
});

describe('command effects (transactions)', () => {
  it('keeps what a command did with its row, and finds commands by the folder they changed or a package', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-history-effects-'));
    const history = new CommandLog(path.join(dir, 'memory.db'));
    try {
      const id = history.record({ command: 'sudo apt-get install -y ./hello.deb', decision: 'notify' });
      history.setEffects(id, {
        recordId: 'R1',
        summary: '3 added',
        counts: { added: 3, changed: 0, deleted: 0, meta: 0 },
        paths: ['added /usr/bin/hello', 'changed /var/lib/dpkg/status'],
        packages: { added: ['hello 2.10-3'], removed: [] },
      });
      const other = history.record({ command: 'echo x > /etc/motd', decision: 'notify' });
      history.setEffects(other, {
        recordId: 'R2',
        summary: '1 changed',
        counts: { added: 0, changed: 1, deleted: 0, meta: 0 },
        paths: ['changed /etc/motd'],
      });
      history.record({ command: 'ls /etc', decision: 'auto_allow' });
      expect(history.query({ changed: '/etc' }).map((r) => r.command)).toEqual(['echo x > /etc/motd']);
      expect(history.query({ changed: '/etc/' }).map((r) => r.command)).toEqual(['echo x > /etc/motd']);
      expect(history.query({ changed: '/et' })).toEqual([]);
      expect(history.query({ changed: '/usr/bin/hello' }).map((r) => r.command)).toEqual(['sudo apt-get install -y ./hello.deb']);
      expect(history.query({ packageName: 'hello' })[0]?.effects?.packages?.added).toEqual(['hello 2.10-3']);
    } finally {
      history.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("recall_history with effects (the AI's history tool)", () => {
  it('answers "what changed in /etc?" from recorded effects', async () => {
    const { recallHistory } = await import('../../src/core/mcp/memory-tools');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-history-recall-'));
    const history = new CommandLog(path.join(dir, 'memory.db'));
    try {
      const id = history.record({ command: 'echo x > /etc/motd', decision: 'notify' });
      history.setEffects(id, {
        recordId: 'R2',
        summary: '1 changed',
        counts: { added: 0, changed: 1, deleted: 0, meta: 0 },
        paths: ['changed /etc/motd'],
      });
      history.record({ command: 'ls', decision: 'auto_allow' });
      const out = JSON.parse((recallHistory(history, { changed: '/etc' }).content[0] as { text: string }).text) as {
        history: Array<Record<string, unknown>>;
      };
      expect(out.history.map((h) => [h.command, h.effects])).toEqual([
        ['echo x > /etc/motd', { summary: '1 changed', paths: ['changed /etc/motd'], undo_id: 'R2' }],
      ]);
    } finally {
      history.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
