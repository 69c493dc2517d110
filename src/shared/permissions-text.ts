import type { PersonRules } from './contract';

/**
 * `/permissions` in every chat: the person's own rules, numbered, and how
 * to remove one. `/permissions remove N` names a rule by that number.
 */

export interface PermissionsArg {
  remove?: number;
}

/** `''` lists; `remove N` (or `rm N`) removes rule N. Anything else is a usage error. */
export function parsePermissionsArg(arg: string): PermissionsArg | { error: string } {
  const a = arg.trim();
  if (a === '') return {};
  const m = /^(?:remove|rm|delete)\s+(\d+)$/i.exec(a);
  if (m) return { remove: Number(m[1]) };
  return { error: 'usage: /permissions, or /permissions remove N (N from the list)' };
}

/** `markdown`: the rows in a code block, so a chat that renders Markdown keeps the numbers and columns. */
export function formatPersonRules(list: PersonRules, opts: { markdown?: boolean } = {}): string {
  if (list.rules.length === 0)
    return `You have no rules of your own in ${list.file} (the shipped rules still apply). "Always allow" on a question adds one.`;
  const rows = list.rules.map((r, i) => `${String(i + 1).padStart(3)}. ${r.list.padEnd(16)} ${JSON.stringify(r.pattern)}`);
  const table = opts.markdown ? ['```', ...rows, '```'] : rows;
  return [`Your rules in ${list.file}:`, ...table, 'Remove one with /permissions remove N.'].join('\n');
}
