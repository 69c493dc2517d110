import { Lexer, type Token, type Tokens } from 'marked';
import stringWidth from 'string-width';
import type { Style } from './style';

/**
 * Markdown for a terminal: marked parses, this draws. Headings, emphasis,
 * code, lists (task lists as ☐/☑), quotes and tables (columns measured in
 * terminal cells, so Japanese text lines up). With colour off the markup is
 * simply gone: no `**`, no `##`, no escapes.
 */

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');

function cells(s: string): number {
  return stringWidth(s.replace(ANSI, ''));
}

function inline(tokens: Token[] | undefined, st: Style): string {
  if (!tokens) return '';
  return tokens.map((t) => inlineToken(t, st)).join('');
}

function inlineToken(t: Token, st: Style): string {
  switch (t.type) {
    case 'strong':
      return st.bold(inline((t as Tokens.Strong).tokens, st));
    case 'em':
      return st.italic(inline((t as Tokens.Em).tokens, st));
    case 'codespan':
      return st.cyan((t as Tokens.Codespan).text);
    case 'del':
      return st.strike(inline((t as Tokens.Del).tokens, st));
    case 'link': {
      const l = t as Tokens.Link;
      const text = inline(l.tokens, st);
      return text === l.href || `mailto:${text}` === l.href ? st.underline(text) : `${st.underline(text)} (${l.href})`;
    }
    case 'image':
      return `[image: ${(t as Tokens.Image).text || (t as Tokens.Image).href}]`;
    case 'br':
      return '\n';
    case 'text': {
      const tx = t as Tokens.Text;
      return tx.tokens ? inline(tx.tokens, st) : decode(tx.text);
    }
    case 'escape':
      return (t as Tokens.Escape).text;
    case 'html':
      return (t as Tokens.HTML).text;
    default:
      return 'text' in t && typeof t.text === 'string' ? t.text : t.raw;
  }
}

/** marked escapes &, <, > … in text tokens for HTML; a terminal wants them back. */
function decode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _m);
}

function indentLines(text: string, prefix: string, first = prefix): string {
  return text
    .split('\n')
    .map((line, i) => (i === 0 ? first : prefix) + line)
    .join('\n');
}

function list(l: Tokens.List, st: Style): string {
  const start = typeof l.start === 'number' ? l.start : 1;
  return l.items
    .map((item, i) => {
      const marker = item.task ? (item.checked ? '☑ ' : '☐ ') : l.ordered ? `${start + i}. ` : '• ';
      let body = '';
      let prevBlock = false;
      for (const t of item.tokens) {
        if (t.type === 'checkbox') continue; // the ☐/☑ marker stands for it
        const isBlock = t.type !== 'text';
        const text = isBlock ? block(t, st) : inlineToken(t, st);
        body += (body && (isBlock || prevBlock) ? '\n' : '') + text;
        prevBlock = isBlock;
      }
      body = body.replace(/\n+$/, '');
      return indentLines(body, ' '.repeat(cells(marker)), marker);
    })
    .join('\n');
}

function table(t: Tokens.Table, st: Style): string {
  const head = t.header.map((c) => inline(c.tokens, st));
  const rows = t.rows.map((r) => r.map((c) => inline(c.tokens, st)));
  const widths = head.map((h, i) => Math.max(cells(h), ...rows.map((r) => cells(r[i] ?? ''))));
  const pad = (s: string, i: number) => {
    const room = (widths[i] ?? 0) - cells(s);
    const align = t.align[i];
    if (align === 'right') return ' '.repeat(room) + s;
    if (align === 'center') return ' '.repeat(Math.floor(room / 2)) + s + ' '.repeat(Math.ceil(room / 2));
    return s + ' '.repeat(room);
  };
  const line = (r: string[]) => r.map((c, i) => pad(c, i)).join(st.dim(' │ '));
  const rule = st.dim(widths.map((w) => '─'.repeat(w)).join('─┼─'));
  return [line(head.map((h) => st.bold(h))), rule, ...rows.map(line)].join('\n');
}

function block(t: Token, st: Style): string {
  switch (t.type) {
    case 'heading': {
      const h = t as Tokens.Heading;
      const text = inline(h.tokens, st);
      return h.depth <= 2 ? st.bold(st.cyan(text)) : st.bold(text);
    }
    case 'paragraph':
      return inline((t as Tokens.Paragraph).tokens, st);
    case 'text': {
      const tx = t as Tokens.Text;
      return tx.tokens ? inline(tx.tokens, st) : decode(tx.text);
    }
    case 'code': {
      const c = t as Tokens.Code;
      return indentLines(st.cyan(c.text), '    ');
    }
    case 'blockquote':
      return indentLines(blocks((t as Tokens.Blockquote).tokens, st), st.dim('│ '));
    case 'list':
      return list(t as Tokens.List, st);
    case 'table':
      return table(t as Tokens.Table, st);
    case 'hr':
      return st.dim('─'.repeat(40));
    case 'space':
      return '';
    case 'html':
      return (t as Tokens.HTML).text.replace(/\n+$/, '');
    default:
      return t.raw.replace(/\n+$/, '');
  }
}

function blocks(tokens: Token[], st: Style): string {
  return tokens
    .filter((t) => t.type !== 'space')
    .map((t) => block(t, st))
    .join('\n\n');
}

/** Renders a whole Markdown text; the result ends without a newline. */
export function renderMarkdown(md: string, st: Style): string {
  return blocks(Lexer.lex(md, { gfm: true }), st);
}

/**
 * Streamed answers arrive in pieces; a block (paragraph, list, table, code
 * fence) is drawn once it is complete: at a blank line outside a fence, at the
 * end of a heading line, or when the answer ends or something else prints.
 */
/** Characters of an unfinished block held back before it is drawn anyway. */
export const MAX_HELD_CHARS = 2_000;

export class MarkdownStream {
  private pending = '';
  private wroteBlock = false;

  constructor(private readonly style: Style) {}

  /** The text of the blocks that `delta` completed, ready to print. */
  push(delta: string): string {
    this.pending += delta;
    let out = '';
    for (;;) {
      let cut = completeBlockEnd(this.pending);
      if (cut < 0 && this.pending.length > MAX_HELD_CHARS) {
        // A long block that does not end (a model dripping one paragraph): draw it so far, at a line end when there is one, so the person sees it arrive.
        const nl = this.pending.lastIndexOf('\n');
        cut = nl > 0 ? nl + 1 : this.pending.length;
      }
      if (cut < 0) return out;
      out += this.render(this.pending.slice(0, cut));
      this.pending = this.pending.slice(cut);
    }
  }

  /** Everything still held back, drawn as it stands. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    const out = this.render(rest);
    this.wroteBlock = false;
    return out;
  }

  private render(md: string): string {
    if (md.trim() === '') return '';
    const text = renderMarkdown(md, this.style);
    if (text === '') return '';
    const out = `${this.wroteBlock ? '\n' : ''}${text}\n`;
    this.wroteBlock = true;
    return out;
  }
}

/** Where the first complete block of `text` ends (the index after it), or -1. */
function completeBlockEnd(text: string): number {
  let fence: string | undefined;
  let pos = 0;
  let inTable = false;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) return -1;
    const line = text.slice(pos, nl);
    const next = nl + 1;
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length && line.trim() === fenceMark) return next;
    } else if (fenceMark) {
      if (pos > 0 && text.slice(0, pos).trim() !== '') return pos; // the paragraph before the fence is complete
      fence = fenceMark;
    } else if (line.trim() === '') {
      if (text.slice(0, pos).trim() !== '') return next;
    } else if (/^\s{0,3}#{1,6}\s/.test(line) && !inTable) {
      if (pos > 0 && text.slice(0, pos).trim() !== '') return pos;
      return next;
    } else {
      inTable = inTable || /^\s*\|/.test(line);
    }
    pos = next;
  }
  return -1;
}
