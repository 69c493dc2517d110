import { describe, expect, it } from 'vitest';
import { commandRecordsFor, withinBudget } from '../../src/core/gate/command-records';
import { OutputRecorder } from '../../src/core/gate/output-record';
import { CommandLog, openMemoryStore } from '../../src/core/memory';
import type { ConversationItem, CommandRecord } from '../../src/shared/contract';
import { makeTempDir } from '../support/temp';

describe('the output a command record keeps', () => {
  it('keeps everything, stream by stream, while it fits', () => {
    const r = new OutputRecorder(100);
    r.add('stdout', 'a');
    r.add('stdout', 'b');
    r.add('stderr', 'oops');
    r.add('stdout', 'c');
    expect(r.snapshot()).toEqual({
      output: [
        { stream: 'stdout', data: 'ab' },
        { stream: 'stderr', data: 'oops' },
        { stream: 'stdout', data: 'c' },
      ],
      omittedChars: 0,
    });
  });

  it('past its budget keeps the head and the tail and says how much of the middle is gone', () => {
    const r = new OutputRecorder(20);
    r.add('stdout', 'HEAD-0123456789');
    for (let i = 0; i < 10; i++) r.add(i % 2 ? 'stderr' : 'stdout', `m${i}-xxxx`);
    r.add('stderr', 'END-TAIL!!');
    const { output, omittedChars } = r.snapshot();
    const text = output.map((c) => c.data).join('');
    expect(text.startsWith('HEAD-01234')).toBe(true);
    expect(text.endsWith('END-TAIL!!')).toBe(true);
    expect(omittedChars).toBe(15 + 10 * 7 + 10 - 20);
    expect(text).toContain(`[${omittedChars} characters not kept]`);
    expect(output[output.length - 1]!.stream).toBe('stderr');
  });
});

describe('the records chat.state sends', () => {
  const record = (callId: string, out: string): CommandRecord => ({
    callId,
    start: { callId, turnId: 't', command: 'c', cwd: '/', decision: 'notify', rule: null, reasons: [] },
    output: [{ stream: 'stdout', data: out }],
    omittedChars: 0,
    done: {
      callId,
      command: 'c',
      decision: 'notify',
      ran: true,
      refusal: null,
      refusalKind: null,
      exitCode: 0,
      signal: null,
      durationMs: 1,
      timedOut: false,
      cancelled: false,
    },
  });

  it('keep the newest outputs whole within the budget and shrink older ones to head and tail', () => {
    const [old, mid, fresh] = withinBudget(
      [record('a', `A${'x'.repeat(98)}Z`), record('b', 'y'.repeat(60)), record('c', 'z'.repeat(30))],
      100,
    );
    expect(fresh!.output).toEqual([{ stream: 'stdout', data: 'z'.repeat(30) }]);
    expect(mid!.output).toEqual([{ stream: 'stdout', data: 'y'.repeat(60) }]);
    const text = old!.output.map((c) => c.data).join('');
    expect(text.startsWith('A') && text.endsWith('Z')).toBe(true);
    expect(old!.omittedChars).toBe(90);
    expect(text).toContain('[90 characters not sent]');
  });

  it('are read by call id in call order; a damaged record is left out', () => {
    const tmp = makeTempDir('aios-records-');
    const store = openMemoryStore(tmp.join('memory.db'));
    const history = new CommandLog(store);
    try {
      history.record({ command: 'c', decision: 'notify', callId: 'b', record: record('b', 'two') });
      history.record({ command: 'c', decision: 'notify', callId: 'a', record: record('a', 'one') });
      history.record({ command: 'c', decision: 'notify', callId: 'bad', record: { callId: 'bad', start: 'nonsense' } });
      const messages: ConversationItem[] = [
        { role: 'user', text: 'q' },
        { role: 'assistant', text: '', toolCalls: ['a', 'bad', 'b'].map((id) => ({ id, name: 'run_command', arguments: '{}' })) },
      ];
      const errors: Error[] = [];
      expect(commandRecordsFor(messages, history, (e) => errors.push(e)).map((r) => r.callId)).toEqual(['a', 'b']);
      expect(errors).toEqual([]);
    } finally {
      history.close();
      store.close();
      tmp.cleanup();
    }
  });
});
