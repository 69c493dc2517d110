import type { Node } from 'web-tree-sitter';
import { braceExpand, isCh, isDyn, MAX_BRACE_WORDS } from './braces';

export { WordTooComplexError } from './braces';

/**
 * Turns the shell's word nodes into the strings the program will receive:
 * quote removal, backslashes, `$'…'`, brace expansion and `~`. Anything only
 * known at run time (parameters, substitutions) stays a marked dynamic part
 * so the policy can fail closed on it instead of guessing.
 */

/** One character of a word; `q` marks it as quoted (no expansion applies to it). */
export interface Ch {
  c: string;
  q: boolean;
}
/** A run-time value: `$X`, `${X:-y}`, `$(cmd)`, `$((…))`, `<(…)`. */
export interface Dyn {
  dyn: string;
  /** Inside double quotes: exactly one word, no splitting or globbing. */
  q: boolean;
}
export type Tok = Ch | Dyn;
export type RawWord = Tok[];

/** An argument after expansion. */
export interface Arg {
  /** Display text: the static value, with dynamic parts shown as written. */
  text: string;
  /** Some part is only known at run time. */
  dynamic: boolean;
  /** Literal text before the first dynamic part (the whole text when static). */
  prefix: string;
  /** An unquoted dynamic part: the shell may split it into zero or several words. */
  splits: boolean;
  /** Unquoted `*`, `?` or `[`: the shell will replace it with matching file names. */
  glob: boolean;
  /** Started with an unexpanded `~` (home unknown) or `~user`. */
  tilde: boolean;
}

/** Called for `$(…)`, backticks, `<(…)` and `>(…)` met inside a word, so their commands are judged too. */
export type NestedHandler = (node: Node) => void;

function pushLiteral(out: Tok[], text: string, q: boolean): void {
  for (const c of text) out.push({ c, q });
}

/** Unquoted text: a backslash quotes the next character; backslash-newline vanishes. */
function pushUnquoted(out: Tok[], text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string;
      i++;
      if (next === '\n') continue;
      out.push({ c: next, q: true });
    } else {
      out.push({ c, q: false });
    }
  }
}

/** Text inside double quotes: only `\$ \` \" \\` and backslash-newline are escapes. */
function pushDoubleQuoted(out: Tok[], text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1] as string;
      if (next === '\n') {
        i++;
        continue;
      }
      if (next === '$' || next === '`' || next === '"' || next === '\\') {
        out.push({ c: next, q: true });
        i++;
        continue;
      }
    }
    out.push({ c, q: true });
  }
}

const ANSI_SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/** Decodes the body of `$'…'` the way bash does. */
export function decodeAnsiC(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[++i] as string;
    const simple = ANSI_SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
    } else if (n >= '0' && n <= '7') {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) digits += body[++i];
      out += String.fromCharCode(parseInt(digits, 8) & 0xff);
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const max = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      let digits = '';
      while (digits.length < max && /[0-9a-fA-F]/.test(body[i + 1] ?? '')) digits += body[++i];
      if (digits === '') out += `\\${n}`;
      else {
        const cp = parseInt(digits, 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      }
    } else if (n === 'c' && i + 1 < body.length) {
      out += String.fromCharCode((body.charCodeAt(++i) & 0x1f) >>> 0);
    } else {
      out += `\\${n}`;
    }
  }
  return out;
}

/** Node types whose value is only known when the command runs. */
const DYNAMIC_TYPES = new Set(['simple_expansion', 'expansion', 'arithmetic_expansion', 'command_substitution', 'process_substitution']);

function findNested(node: Node, nested: NestedHandler): void {
  if (node.type === 'command_substitution' || node.type === 'process_substitution') {
    nested(node);
    return;
  }
  for (const child of node.namedChildren) findNested(child, nested);
}

function pushDynamic(out: Tok[], node: Node, quoted: boolean, nested: NestedHandler): void {
  findNested(node, nested);
  // A process substitution is always one word (a /dev/fd path), quoted or not.
  out.push({ dyn: node.text, q: quoted || node.type === 'process_substitution' });
}

function pushString(out: Tok[], node: Node, nested: NestedHandler): void {
  // Children do not always cover the content; text between them is literal.
  const text = node.text;
  const base = node.startIndex;
  let pos = 1; // after the opening quote
  const end = text.endsWith('"') && text.length > 1 ? text.length - 1 : text.length;
  for (const child of node.children) {
    const from = child.startIndex - base;
    const to = child.endIndex - base;
    if (from < pos || to > end) continue; // the quote tokens themselves
    if (from > pos) pushDoubleQuoted(out, text.slice(pos, from));
    if (child.type === 'string_content') pushDoubleQuoted(out, child.text);
    else if (DYNAMIC_TYPES.has(child.type)) pushDynamic(out, child, true, nested);
    else if (child.type === '$') pushLiteral(out, '$', true);
    else pushDynamic(out, child, true, nested);
    pos = to;
  }
  if (pos < end) pushDoubleQuoted(out, text.slice(pos, end));
}

/** Appends one word-ish node's characters to `out`. */
export function appendWordNode(out: Tok[], node: Node, nested: NestedHandler): void {
  switch (node.type) {
    case 'word':
    case 'number':
    case 'brace_expression':
    case 'command_name':
      if (node.type === 'command_name' && node.namedChildCount === 1) {
        appendWordNode(out, node.namedChild(0) as Node, nested);
        return;
      }
      if (node.namedChildCount > 0 && node.type !== 'brace_expression') {
        for (const child of node.children) appendWordNode(out, child, nested);
        return;
      }
      pushUnquoted(out, node.text);
      return;
    case 'raw_string':
      pushLiteral(out, node.text.slice(1, node.text.endsWith("'") && node.text.length > 1 ? -1 : undefined), true);
      return;
    case 'ansi_c_string': {
      const t = node.text;
      pushLiteral(out, decodeAnsiC(t.slice(2, t.endsWith("'") && t.length > 2 ? -1 : undefined)), true);
      return;
    }
    case 'string':
      pushString(out, node, nested);
      return;
    case 'translated_string':
      for (const child of node.namedChildren) appendWordNode(out, child, nested);
      return;
    case 'concatenation':
      for (const child of node.children) appendWordNode(out, child, nested);
      return;
    case '$':
      pushUnquoted(out, node.text); // `$` or `\$`
      return;
    default:
      if (DYNAMIC_TYPES.has(node.type)) pushDynamic(out, node, false, nested);
      else if (!node.isNamed) pushUnquoted(out, node.text);
      // Unknown constructs (extglob, …) are treated as run-time values: fail closed.
      else pushDynamic(out, node, false, nested);
  }
}

export function rawWordOf(nodes: readonly Node[], nested: NestedHandler): RawWord {
  const out: Tok[] = [];
  nodes.forEach((n, i) => {
    // `$"…"` is a translated string: the `$` is not part of the value.
    const next = nodes[i + 1];
    if (n.type === '$' && n.text === '$' && next?.type === 'string' && next.startIndex === n.endIndex) return;
    appendWordNode(out, n, nested);
  });
  return out;
}

/** A literal string as a word where every character is quoted. */
export function quotedWord(text: string): RawWord {
  const out: Tok[] = [];
  pushLiteral(out, text, true);
  return out;
}

function finish(word: RawWord, home: string | undefined, assignmentValue: boolean): Arg {
  let toks = word;
  let tilde = false;
  const first = toks[0];
  if (!assignmentValue && first && isCh(first, '~')) {
    const second = toks[1];
    if (second === undefined || isCh(second, '/')) {
      if (home !== undefined) toks = [...[...home].map((c) => ({ c, q: true })), ...toks.slice(1)];
      else tilde = true;
    } else {
      tilde = true; // ~user, ~+, ~-: another directory we cannot know here
    }
  }
  let text = '';
  let prefix = '';
  let dynamic = false;
  let splits = false;
  let glob = false;
  for (const t of toks) {
    if (isDyn(t)) {
      dynamic = true;
      if (!t.q) splits = true;
      text += t.dyn;
    } else {
      if (!t.q && (t.c === '*' || t.c === '?' || t.c === '[')) glob = true;
      text += t.c;
      if (!dynamic) prefix += t.c;
    }
  }
  return { text, dynamic, prefix, splits, glob, tilde };
}

export interface ExpandOptions {
  home?: string;
}

/** Brace expansion, then `~`, then the final strings; a word may become several. */
export function expandWord(word: RawWord, opts: ExpandOptions): Arg[] {
  return braceExpand(word, { left: MAX_BRACE_WORDS }).map((w) => finish(w, opts.home, false));
}

/** An assignment value (`X=value`): no brace expansion or splitting in bash. */
export function expandAssignmentValue(word: RawWord, opts: ExpandOptions): Arg {
  return finish(word, opts.home, true);
}

/** A static argument made from plain text (for recursion into strings we already hold). */
export function staticArg(text: string): Arg {
  return { text, dynamic: false, prefix: text, splits: false, glob: false, tilde: false };
}

/** A pattern word: literal runs and `null` for each unquoted `*`. */
export interface GlobWord {
  parts: Array<string | null>;
  /** Begins with an unquoted `~` (home, filled in when matching). */
  tilde: boolean;
  /** Display text. */
  text: string;
  /** Contains a run-time part (`$X`): not allowed in patterns. */
  dynamic: boolean;
}

/** A pattern word after brace expansion: only an unquoted `*` is special. */
export function globAlternatives(word: RawWord): GlobWord[] {
  return braceExpand(word, { left: MAX_BRACE_WORDS }).map((toks) => {
    const parts: Array<string | null> = [];
    let lit = '';
    let text = '';
    let dynamic = false;
    let tilde = false;
    toks.forEach((t, i) => {
      if (isDyn(t)) {
        dynamic = true;
        text += t.dyn;
        return;
      }
      text += t.c;
      if (i === 0 && !t.q && t.c === '~' && (toks.length === 1 || isCh(toks[1], '/'))) {
        tilde = true;
        return;
      }
      if (!t.q && t.c === '*') {
        if (lit !== '') parts.push(lit);
        lit = '';
        if (parts[parts.length - 1] !== null) parts.push(null);
        return;
      }
      lit += t.c;
    });
    if (lit !== '') parts.push(lit);
    return { parts, tilde, text, dynamic };
  });
}
