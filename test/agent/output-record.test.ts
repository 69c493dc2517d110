import { describe, expect, it } from 'vitest';
import { OutputRecorder } from '../../src/main/core/agent/output-record';

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
