import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryStore, OUTPUT_EXCERPT_MAX, openMemoryStore, type MemoryStore } from '../../src/main/core/memory';
import { makeTempDir, type TempDir } from '../support/temp';

let tmp: TempDir;
let store: MemoryStore;
let history: HistoryStore;
beforeEach(() => {
  tmp = makeTempDir('aios-history-');
  store = openMemoryStore(tmp.join('memory.db'));
  history = new HistoryStore(store);
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
      },
    ]);
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
    const cmds = (q: Parameters<HistoryStore['query']>[0]) => history.query(q, now).map((r) => r.command);
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
    const second = new HistoryStore(tmp.join('memory.db'));
    try {
      second.record({ command: 'echo from two', decision: 'auto_allow' });
      expect(history.query({ text: 'echo' }).map((r) => r.command).sort()).toEqual(['echo from one', 'echo from two']);
      expect(second.count()).toBe(2);
    } finally {
      second.close();
    }
  });

  it('rejects entries without command or decision', () => {
    expect(() => history.record({ command: 'x', decision: '' })).toThrow(TypeError);
    expect(() => history.record({ decision: 'deny' } as never)).toThrow(TypeError);
    expect(() => history.record({ command: 'x', decision: 'deny', startedAt: 'garbage' })).toThrow(RangeError);
    expect(history.count()).toBe(0);
  });
});
