import { decodeAnsiC, type RawWord } from './words';

/**
 * A plain shell word splitter for text the grammar could not parse. It
 * knows quotes, backslashes, the control operators, reserved words and
 * `$(…)`/backtick nesting, nothing else; what it finds is only used to make
 * a decision stricter (a deny rule that matches words the parser gave up on
 * still denies).
 */

const OPERATOR_CHARS = new Set([';', '&', '|', '(', ')', '<', '>', '\n']);
const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
  'for',
  'case',
  'esac',
  'in',
  'function',
  'select',
  'time',
  '!',
  '{',
  '}',
  '[[',
  ']]',
  'coproc',
]);

/**
 * Index of the `)` closing a `$(` whose body starts at `from`, or the text
 * length. Inside `case … esac` a `)` ends a pattern, not the substitution.
 */
export function closeParen(text: string, from: number): number {
  let depth = 1;
  let cases = 0;
  for (let k = from; k < text.length; k++) {
    const c = text[k] as string;
    if (c === '\\') k++;
    else if (c === '$' && text[k + 1] === "'") {
      for (k += 2; k < text.length && text[k] !== "'"; k++) if (text[k] === '\\') k++;
    } else if (c === "'") k = text.indexOf("'", k + 1) < 0 ? text.length : text.indexOf("'", k + 1);
    else if (c === '"') {
      for (k++; k < text.length && text[k] !== '"'; k++) if (text[k] === '\\') k++;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (cases > 0 && depth === 1) continue;
      if (--depth === 0) return k;
    } else if (/[a-z]/.test(c) && !/[A-Za-z0-9_]/.test(text[k - 1] ?? ' ')) {
      const word = /^[a-z]+/.exec(text.slice(k))?.[0] ?? '';
      if (word === 'case') cases++;
      else if (word === 'esac' && cases > 0) cases--;
      k += word.length - 1;
    }
  }
  return text.length;
}

/** Where a heredoc body that starts at `from` ends (after its delimiter line). */
function skipHeredoc(text: string, from: number, delimiter: string, strip: boolean): number {
  let k = from;
  while (k < text.length) {
    const nl = text.indexOf('\n', k);
    const line = text.slice(k, nl < 0 ? text.length : nl);
    k = nl < 0 ? text.length : nl + 1;
    if ((strip ? line.replace(/^\t+/, '') : line) === delimiter) break;
  }
  return k;
}

function closeBacktick(text: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    if (text[k] === '\\') k++;
    else if (text[k] === '`') return k;
  }
  return text.length;
}

/** Splits `text` into commands (runs of words between operators), including those inside `$(…)` and backticks. */
export function lexCommands(text: string, depth = 0): RawWord[][] {
  const commands: RawWord[][] = [];
  let words: RawWord[] = [];
  let word: RawWord = [];
  let inWord = false;
  const endWord = (): void => {
    // At the start of a command, reserved words and NAME=value assignments are not the program.
    const bare = word.every((t) => 'c' in t && !t.q) ? word.map((t) => ('c' in t ? t.c : '')).join('') : undefined;
    const leadingSyntax = words.length === 0 && bare !== undefined && RESERVED.has(bare);
    const assignment =
      words.length === 0 &&
      word.length > 0 &&
      /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(word.map((t) => ('c' in t && !t.q ? t.c : '\u0000')).join(''));
    if (inWord && !leadingSyntax && !assignment) words.push(word);
    word = [];
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  const inner = (body: string): void => {
    if (depth < 8) commands.push(...lexCommands(body, depth + 1));
  };
  const heredocs: Array<{ delimiter: string; strip: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      inWord = true;
      if (text[i + 1] !== '\n') word.push({ c: text[i + 1] as string, q: true });
      i++;
    } else if (ch === "'") {
      inWord = true;
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      for (const c of text.slice(i + 1, stop)) word.push({ c, q: true });
      i = stop;
    } else if (ch === '"') {
      inWord = true;
      let k = i + 1;
      for (; k < text.length && text[k] !== '"'; k++) {
        if (text[k] === '\\' && k + 1 < text.length) {
          k++;
          word.push({ c: text[k] as string, q: true });
        } else if (text[k] === '`') {
          const end = closeBacktick(text, k + 1);
          inner(text.slice(k + 1, end));
          word.push({ dyn: text.slice(k, end + 1), q: true });
          k = end;
        } else if (text[k] === '$' && text[k + 1] === '(') {
          const end = closeParen(text, k + 2);
          inner(text.slice(k + 2, end));
          word.push({ dyn: text.slice(k, end + 1), q: true });
          k = end;
        } else if (text[k] === '$') {
          word.push({ dyn: '$', q: true });
        } else {
          word.push({ c: text[k] as string, q: true });
        }
      }
      i = k;
    } else if (ch === '`') {
      inWord = true;
      const end = closeBacktick(text, i + 1);
      inner(text.slice(i + 1, end));
      word.push({ dyn: text.slice(i, end + 1), q: false });
      i = end;
    } else if (ch === '$' && text[i + 1] === "'") {
      inWord = true;
      let k = i + 2;
      while (k < text.length && text[k] !== "'") k += text[k] === '\\' ? 2 : 1;
      for (const c of decodeAnsiC(text.slice(i + 2, Math.min(k, text.length)))) word.push({ c, q: true });
      i = k;
    } else if (ch === '$' && text[i + 1] === '"') {
      // `$"…"` is a translated string: read as the double-quoted string it wraps.
      continue;
    } else if (ch === '$' && text[i + 1] === '(') {
      inWord = true;
      const end = closeParen(text, i + 2);
      inner(text.slice(i + 2, end));
      word.push({ dyn: text.slice(i, end + 1), q: false });
      i = end;
    } else if (ch === '$') {
      inWord = true;
      word.push({ dyn: '$', q: false });
    } else if (ch === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
      endCommand();
      i--; // let the newline end the line (and start pending heredoc bodies)
    } else if ((ch === '<' || ch === '>') && !(ch === '<' && text[i + 1] === '(') && !(ch === '>' && text[i + 1] === '(')) {
      // A redirection: its target is not a word of the command, nor is the fd number before it.
      if (inWord && word.every((t) => 'c' in t && !t.q && /\d/.test(t.c))) {
        word = [];
        inWord = false;
      }
      endWord();
      const m = /^(<<<|<<-?|[<>]&|&>>?|>>|>\||<>|[<>])[ \t]*((?:'[^'\n]*'|"(?:\\.|[^"\n])*"|\\.|[^\s;&|()<>])*)/.exec(text.slice(i));
      const op = m?.[1] ?? ch;
      if (op === '<<' || op === '<<-') heredocs.push({ delimiter: (m?.[2] ?? '').replace(/['"\\]/g, ''), strip: op === '<<-' });
      i += (m?.[0].length ?? 1) - 1;
    } else if (ch === '\n' && heredocs.length > 0) {
      endCommand();
      let k = i + 1;
      for (const h of heredocs) k = skipHeredoc(text, k, h.delimiter, h.strip);
      heredocs.length = 0;
      i = k - 1;
    } else if (OPERATOR_CHARS.has(ch)) {
      endCommand();
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
    } else {
      inWord = true;
      word.push({ c: ch, q: false });
    }
  }
  endCommand();
  return commands;
}

/**
 * Removes backslash-newline pairs the way bash's input reader does, before
 * anything is parsed: everywhere except inside single quotes (and `$'…'`),
 * comments and heredoc bodies. tree-sitter-bash treats some of them as a
 * word break (`r\<newline>m` would read as `r m`), which bash never does.
 */
export function joinContinuations(text: string): string {
  if (!text.includes('\\\n')) return text;
  let out = '';
  let state: 'normal' | 'single' | 'ansi' | 'double' | 'comment' = 'normal';
  const pending: Array<{ delimiter: string; strip: boolean; quoted: boolean }> = [];
  let wordStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (state === 'single') {
      out += c;
      if (c === "'") state = 'normal';
      continue;
    }
    if (state === 'ansi') {
      out += c;
      if (c === '\\' && i + 1 < text.length) out += text[++i];
      else if (c === "'") state = 'normal';
      continue;
    }
    if (state === 'comment') {
      if (c !== '\n') {
        out += c;
        continue;
      }
      state = 'normal';
    }
    if (c === '\\' && text[i + 1] === '\n') {
      i++;
      continue;
    }
    if (state === 'double') {
      out += c;
      if (c === '\\' && i + 1 < text.length && text[i + 1] !== '\n') out += text[++i];
      else if (c === '"') state = 'normal';
      continue;
    }
    // normal
    if (c === '\\' && i + 1 < text.length) {
      out += c + text[++i];
      wordStart = false;
      continue;
    }
    if (c === "'") state = text[i - 1] === '$' ? 'ansi' : 'single';
    else if (c === '"') state = 'double';
    else if (c === '#' && wordStart) state = 'comment';
    else if (c === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
      const m = /^<<(-?)[ \t]*((?:'[^'\n]*'|"[^"\n]*"|\\.|[^\s;&|()<>])+)/.exec(text.slice(i));
      if (m) {
        pending.push({ delimiter: (m[2] as string).replace(/['"\\]/g, ''), strip: m[1] === '-', quoted: /['"\\]/.test(m[2] as string) });
        out += m[0];
        i += m[0].length - 1;
        wordStart = false;
        continue;
      }
    } else if (c === '\n' && pending.length > 0) {
      // Heredoc bodies are data: copied as written, line by line up to each delimiter.
      out += c;
      let k = i + 1;
      for (const h of pending) {
        for (;;) {
          let nl = text.indexOf('\n', k);
          let line = text.slice(k, nl < 0 ? text.length : nl);
          // In an unquoted heredoc bash joins continued lines too, before looking for the delimiter.
          while (!h.quoted && nl >= 0 && /(^|[^\\])(\\\\)*\\$/.test(line)) {
            const next = text.indexOf('\n', nl + 1);
            line = line.slice(0, -1) + text.slice(nl + 1, next < 0 ? text.length : next);
            nl = next;
          }
          out += line + (nl < 0 ? '' : '\n');
          k = nl < 0 ? text.length : nl + 1;
          if ((h.strip ? line.replace(/^\t+/, '') : line) === h.delimiter || nl < 0) break;
        }
      }
      pending.length = 0;
      i = k - 1;
      wordStart = true;
      continue;
    }
    out += c;
    wordStart = c === ' ' || c === '\t' || c === '\n' || c === ';' || c === '&' || c === '|' || c === '(' || c === ')';
  }
  return out;
}
