import { describe, expect, it } from 'vitest';
import { Scrollback } from '../../src/core/terminal/scrollback';

describe('the scrollback kept for views that attach later', () => {
  it('after a flood keeps the newest output, at most the limit, starting at a line', () => {
    const s = new Scrollback(10_000);
    let all = '';
    for (let i = 0; i < 50_000; i++) {
      const line = `line ${i} of the flood\n`;
      s.append(line);
      all += line;
    }
    const text = s.text();
    expect(text.length).toBeLessThanOrEqual(10_000);
    expect(text.length).toBeGreaterThan(9_000);
    expect(all.endsWith(text)).toBe(true);
    expect(text.startsWith('line ')).toBe(true);
    // Asked again, and after more output, it still ends with the newest.
    s.append('tail\n');
    expect(s.text().endsWith('line 49999 of the flood\ntail\n')).toBe(true);
  });

  it('keeps short output whole', () => {
    const s = new Scrollback(1000);
    s.append('a\n');
    s.append('b\n');
    expect(s.text()).toBe('a\nb\n');
  });
});
