import { describe, expect, it } from 'vitest';
import { hasHiddenCharacters, visibleOutput, visibleText } from '../../src/shared/visible-text';

describe('visibleText: what the model or a command supplies is shown, never obeyed', () => {
  it('shows escape sequences and controls in caret notation', () => {
    expect(visibleText('ls\x1b[2J\x1b[H\x1b[1;1Hrm -rf /')).toBe('ls^[[2J^[[H^[[1;1Hrm -rf /');
    expect(visibleText('a\rb\x07c\x00d\x7f')).toBe('a^Mb^Gc^@d^?');
    expect(visibleText('\x9b2J')).toBe('\\u{9b}2J');
  });

  it('keeps newlines and tabs (tabs optional), and ordinary Unicode', () => {
    expect(visibleText('cat <<EOF\n\tx\nEOF')).toBe('cat <<EOF\n\tx\nEOF');
    expect(visibleText('a\tb', { tabs: false })).toBe('a^Ib');
    expect(visibleText('ls ~/Документы 日本 😀')).toBe('ls ~/Документы 日本 😀');
  });

  it('shows bidi overrides, zero-width characters, separators and lone surrogates', () => {
    expect(visibleText('echo \u202Efdp.exe')).toBe('echo \\u{202e}fdp.exe');
    expect(visibleText('r\u200Bm')).toBe('r\\u{200b}m');
    expect(visibleText('a\u2028b\u2066c\uFEFF')).toBe('a\\u{2028}b\\u{2066}c\\u{feff}');
    expect(visibleText('x\uD800y')).toBe('x\\u{d800}y');
    expect(hasHiddenCharacters('ls -la\n\tfoo')).toBe(false);
    expect(hasHiddenCharacters('ls\u202E')).toBe(true);
  });
});

describe('visibleOutput: command output keeps its colours, loses its power over the screen', () => {
  it('keeps SGR colours, CR, LF, BS and tabs', () => {
    const colored = '\x1b[1;31merror\x1b[0m: x\r\n\x1b[38;5;8mgrey\x1b[m 50%\r100%\b\t';
    expect(visibleOutput(colored)).toBe(colored);
  });

  it('shows cursor movement, clearing, titles, and hidden or blinking text', () => {
    expect(visibleOutput('\x1b[2J\x1b[Hfake')).toBe('^[[2J^[[Hfake');
    expect(visibleOutput('\x1b[1A\x1b[Kx')).toBe('^[[1A^[[Kx');
    expect(visibleOutput('\x1b]0;title\x07')).toBe('^[]0;title^G');
    expect(visibleOutput('\x1b[8mhidden\x1b[5m')).toBe('^[[8mhidden^[[5m');
    expect(visibleOutput('\x1b[?1049h')).toBe('^[[?1049h');
    expect(visibleOutput('a\u202Eb 😀')).toBe('a\\u{202e}b 😀');
  });
});

describe('visibleText for one-line fields', () => {
  it('shows a newline in a file name instead of starting a fake line', () => {
    expect(visibleText('a\n    added   /etc/ok', { newlines: false, tabs: false })).toBe('a^J    added   /etc/ok');
  });
});
