import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { ConfigEditError } from '../../setup/ai-section';

/**
 * A person's own rules in their config.toml, edited as text so comments,
 * spacing and every other setting stay as they wrote them: "always allow"
 * adds a pattern to `[permissions] auto_allow`, `/permissions` lists the
 * rules of the four lists and removes one. Each edit is parsed again and
 * must change exactly that one entry, else nothing is written.
 */

export const RULE_LISTS = ['auto_allow', 'notify', 'require_approval', 'deny'] as const;
export type RuleList = (typeof RULE_LISTS)[number];

export interface PersonRule {
  list: RuleList;
  pattern: string;
}

const HEADER = /^\s*\[\s*([A-Za-z0-9_.\s"'-]+?)\s*\]\s*(#.*)?$/;

function listsOf(text: string, file: string): Record<RuleList, string[]> {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigEditError(file, `${file} is not valid TOML (${(err as Error).message.split('\n')[0]}); fix it first`);
  }
  const perms = (doc.permissions ?? {}) as Record<string, unknown>;
  const out = {} as Record<RuleList, string[]>;
  for (const l of RULE_LISTS)
    out[l] = Array.isArray(perms[l]) ? (perms[l] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  return out;
}

/** The rules written in this file (not the shipped floor). */
export function personRules(text: string, file: string): PersonRule[] {
  const lists = listsOf(text, file);
  return RULE_LISTS.flatMap((list) => lists[list].map((pattern) => ({ list, pattern })));
}

/** The `[permissions]` table as a line range, outside multi-line strings. */
function permissionsSection(lines: string[]): { header: number; end: number } {
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!/^\s*\[/.test(line) || !HEADER.test(line)) continue;
    if (header >= 0) return { header, end: i };
    if (HEADER.exec(line)?.[1]?.replace(/["'\s]/g, '') === 'permissions') header = i;
  }
  return { header, end: lines.length };
}

/** Offsets in `text` of an array's `[` and matching `]`, starting at `from` (the `[`): strings and comments skipped. */
function arrayEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const q = c;
      for (i++; i < text.length && text[i] !== q; i++) if (q === '"' && text[i] === '\\') i++;
    } else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

/** The `list = [` key inside [permissions]: offset of its `[` in the text, or -1. */
function listOpen(text: string, list: RuleList): number {
  const lines = text.split('\n');
  const { header, end } = permissionsSection(lines);
  if (header < 0) return -1;
  let offset = 0;
  for (let i = 0; i < end; i++) {
    const line = lines[i] as string;
    if (i > header) {
      const m = new RegExp(`^(\\s*${list}\\s*=\\s*)\\[`).exec(line);
      if (m) return offset + (m[1] as string).length;
    }
    offset += line.length + 1;
  }
  return -1;
}

function verify(next: string, file: string, list: RuleList, expected: string[]): string {
  const got = listsOf(next, file)[list];
  if (got.length !== expected.length || got.some((p, i) => p !== expected[i])) {
    throw new ConfigEditError(
      file,
      `could not change [permissions] ${list} in ${file} without rewriting it; edit it by hand; nothing was written`,
    );
  }
  return next;
}

/** The text with `pattern` added to `[permissions] list` (created when missing). */
export function withRuleAdded(text: string, rule: PersonRule, file: string): string {
  const before = listsOf(text, file)[rule.list];
  if (before.includes(rule.pattern)) return text;
  const quoted = JSON.stringify(rule.pattern);
  const open = listOpen(text, rule.list);
  if (open < 0) {
    const lines = text.split('\n');
    const { header } = permissionsSection(lines);
    if (header < 0) {
      const sep = text === '' || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
      return verify(`${text}${sep}[permissions]\n${rule.list} = [${quoted}]\n`, file, rule.list, [...before, rule.pattern]);
    }
    lines.splice(header + 1, 0, `${rule.list} = [${quoted}]`);
    return verify(lines.join('\n'), file, rule.list, [...before, rule.pattern]);
  }
  const close = arrayEnd(text, open);
  if (close < 0) throw new ConfigEditError(file, `${file}: the ${rule.list} list does not end; fix it first`);
  // After the last value (or the `[`), before trailing comments and the closing bracket.
  const inner = text.slice(open + 1, close);
  const lastValue = inner.replace(/#[^\n]*/g, (m) => ' '.repeat(m.length)).search(/\S\s*$/);
  const last = lastValue < 0 ? open : open + 1 + lastValue;
  const lastChar = text[last];
  const insert = lastChar === '[' ? quoted : lastChar === ',' ? ` ${quoted}` : `, ${quoted}`;
  return verify(`${text.slice(0, last + 1)}${insert}${text.slice(last + 1)}`, file, rule.list, [...before, rule.pattern]);
}

/** The text without `pattern` in `[permissions] list`. */
export function withRuleRemoved(text: string, rule: PersonRule, file: string): string {
  const before = listsOf(text, file)[rule.list];
  if (!before.includes(rule.pattern)) throw new ConfigEditError(file, `${file} has no ${rule.list} rule ${JSON.stringify(rule.pattern)}`);
  const open = listOpen(text, rule.list);
  const close = open < 0 ? -1 : arrayEnd(text, open);
  if (close < 0) throw new ConfigEditError(file, `could not find the ${rule.list} list in ${file}; edit it by hand; nothing was written`);
  const inner = text.slice(open + 1, close);
  for (const spelled of [JSON.stringify(rule.pattern), `'${rule.pattern}'`]) {
    const at = inner.indexOf(spelled);
    if (at < 0) continue;
    let from = at;
    let to = at + spelled.length;
    const after = /^\s*,[ \t]*/.exec(inner.slice(to));
    if (after) to += after[0].length;
    else {
      const comma = /,\s*$/.exec(inner.slice(0, from));
      if (comma) from -= comma[0].length;
    }
    const next = `${text.slice(0, open + 1)}${inner.slice(0, from)}${inner.slice(to)}${text.slice(close)}`;
    return verify(
      next,
      file,
      rule.list,
      before.filter((p) => p !== rule.pattern),
    );
  }
  throw new ConfigEditError(
    file,
    `could not remove ${JSON.stringify(rule.pattern)} from ${file} without rewriting it; edit it by hand; nothing was written`,
  );
}

/** Reads, edits and writes the file atomically (a temp file renamed over it). */
export function editRulesFile(file: string, edit: (text: string) => string): void {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigEditError(file, `cannot read ${file}: ${(err as Error).message}`);
  }
  const next = edit(text);
  if (next === text) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, next, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function readPersonRules(file: string): PersonRule[] {
  try {
    return personRules(fs.readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
