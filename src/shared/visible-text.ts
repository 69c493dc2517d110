/**
 * The one sanitizer for text that the model or a command supplies (a
 * command line, the AI's reason, a preview's file names, MCP arguments,
 * output) before a person reads it. Characters that would act instead of
 * show are shown as what they are, so a command cannot clear the screen,
 * move the cursor, and draw a different command above "Run it? [y/N]", nor
 * reverse the text it is shown as with a bidi override:
 *
 * - C0 controls and DEL in caret notation: ESC → `^[`, CR → `^M`, DEL → `^?`;
 * - C1 controls, bidi controls, zero-width and other invisible characters,
 *   line/paragraph separators and lone surrogates as `\u{…}`.
 *
 * Newlines and tabs stay unless told otherwise: a multi-line command is
 * shown on several lines, truthfully; a file name is one line.
 */

/** Bidi embeddings/overrides/isolates and marks, zero-width and invisible format characters, separators. */
const INVISIBLE =
  /[\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- the controls are what it finds
const CONTROL = /[\x00-\x1F\x7F-\x9F]/;
const ANY = new RegExp(`${CONTROL.source}|${INVISIBLE.source}`, 'g');

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** As INVISIBLE, by code unit (a surrogate reaching here is a lone one). */
function isInvisible(c: number): boolean {
  if (c < 0x061c) return false;
  return (
    c === 0x061c ||
    c === 0x180e ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x206f) ||
    (c >= 0xd800 && c <= 0xdfff) ||
    c === 0xfeff ||
    (c >= 0xfff9 && c <= 0xfffb)
  );
}

function hex(code: number): string {
  return `\\u{${code.toString(16)}}`;
}

function shown(ch: string, keepTabs: boolean, keepNewlines = true): string {
  const code = ch.charCodeAt(0);
  if ((keepNewlines && ch === '\n') || (keepTabs && ch === '\t')) return ch;
  if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
  if (code === 0x7f) return '^?';
  return hex(code);
}

/** `tabs`/`newlines: false` for what must stay on one line: a file name, a folder, a tool's name. */
export function visibleText(text: string, opts: { tabs?: boolean; newlines?: boolean } = {}): string {
  const keepTabs = opts.tabs ?? true;
  const keepNewlines = opts.newlines ?? true;
  return text.replace(ANY, (ch) => shown(ch, keepTabs, keepNewlines));
}

/** Whether `text` holds anything visibleText would change (for a warning beside it). */
export function hasHiddenCharacters(text: string): boolean {
  return new RegExp(ANY.source).test(text.replace(/[\n\t]/g, ''));
}

/** SGR parameters that hide or blink text: a command's colours may stay, these may not. */
function safeSgr(params: string): boolean {
  if (params === '') return true;
  const p = params.split(/[;:]/);
  for (let i = 0; i < p.length; i++) {
    const n = p[i];
    // 38/48/58;5;N and 38/48/58;2;R;G;B carry colour numbers, which are not attributes.
    if (n === '38' || n === '48' || n === '58') {
      i += p[i + 1] === '5' ? 2 : p[i + 1] === '2' ? 4 : 0;
      continue;
    }
    if (n === '5' || n === '6' || n === '8') return false;
  }
  return true;
}

/**
 * Command output for a terminal that also shows aios's own questions: its
 * colours (SGR) stay, as do line feeds, carriage returns (progress bars
 * redraw their own line), backspaces and tabs; every other control and
 * escape sequence (cursor movement, clearing, titles, hidden or blinking
 * text) is shown visibly. What is left cannot reach a line above the one
 * being written, nor hide what aios prints next.
 */
export function visibleOutput(text: string): string {
  let out = '';
  let at = 0;
  // eslint-disable-next-line no-control-regex -- an SGR sequence starts with ESC
  const sgr = /\x1b\[([0-9;:]*)m/y;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x1b) {
      sgr.lastIndex = i;
      const m = sgr.exec(text);
      if (m && safeSgr(m[1] ?? '')) {
        i += m[0].length - 1;
        continue;
      }
    } else if (code === 0x0a || code === 0x0d || code === 0x08 || code === 0x09) continue;
    else if (code >= 0xd800 && code <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
      i++;
      continue;
    } else if (!(code < 0x20 || (code >= 0x7f && code <= 0x9f) || isInvisible(code))) continue;
    out += text.slice(at, i) + shown(text[i]!, true);
    at = i + 1;
  }
  return at === 0 ? text : out + text.slice(at);
}
