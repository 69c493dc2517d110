import type { Node } from 'web-tree-sitter';

/**
 * Checks that tree-sitter-bash read the text the way bash will, and records
 * edits that make it do so. The grammar has known gaps:
 * - it swallows a newline followed by a backslash into the previous command
 *   (`ls` newline `\rm -rf /` comes out as `ls` with arguments);
 * - it drops an escaped blank between words (`a \  b` loses the word " ");
 * - after `!` it reads a compound command as a command named `{` or `if`.
 * bash does none of these. When one is seen the text is parsed again with
 * the spot spelled so the grammar gets it right (a space after the newline,
 * the blank quoted, the `!` dropped: the policy judges every branch anyway).
 */

/** An edit of the source text: remove `remove` characters at `at`, insert `insert`. */
export interface Repair {
  at: number;
  remove: number;
  insert: string;
}

/** Applies repairs (positions refer to the original text). */
export function applyRepairs(text: string, repairs: readonly Repair[]): string {
  const unique = [...new Map(repairs.map((r) => [`${r.at}:${r.remove}`, r])).values()].sort((a, b) => b.at - a.at);
  let out = text;
  for (const r of unique) out = out.slice(0, r.at) + r.insert + out.slice(r.at + r.remove);
  return out;
}

const RESERVED_WORDS = new Set([
  '{',
  '}',
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'case',
  'esac',
  'select',
  'function',
  'in',
  '[[',
  ']]',
  '!',
]);

export class Fidelity {
  /** The tree disagrees with what bash will do. */
  doubtful = false;
  readonly repairs: Repair[] = [];

  /**
   * Looks for characters bash would never leave in this place: an unescaped
   * newline (always ends a command) and, between words, an escaped blank
   * (always starts a word).
   */
  private bare(text: string, offset: number, gap: boolean, newlines: boolean): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "'" && !gap) {
        const end = text.indexOf("'", i + 1);
        i = end < 0 ? text.length : end;
      } else if (c === '"' && !gap) {
        for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      } else if (c === '\\') {
        const next = text[i + 1];
        if (gap && (next === ' ' || next === '\t')) {
          this.doubtful = true;
          this.repairs.push({ at: offset + i, remove: 2, insert: `'${next}'` });
        }
        i++;
      } else if (c === '\n' && newlines) {
        this.doubtful = true;
        this.repairs.push({ at: offset + i + 1, remove: 0, insert: ' ' });
      }
    }
  }

  /** The spaces between a command's (or a redirection's) parts: no bare newline, no escaped blank. */
  commandGaps(node: Node): void {
    const base = node.startIndex;
    const text = node.text;
    let pos = 0;
    for (const child of node.children) {
      const from = child.startIndex - base;
      if (from > pos) this.bare(text.slice(pos, from), base + pos, true, true);
      pos = Math.max(pos, child.endIndex - base);
    }
  }

  /** Escaped blanks between any two parts of any node (`zza \  # x` hides a word " "). */
  gaps(node: Node): void {
    if (node.type === 'heredoc_body' || node.type === 'string' || node.type === 'raw_string' || node.type === 'comment') return;
    const base = node.startIndex;
    const text = node.text;
    let pos = 0;
    for (const child of node.children) {
      const from = child.startIndex - base;
      if (from > pos) this.bare(text.slice(pos, from), base + pos, true, false);
      pos = Math.max(pos, child.endIndex - base);
    }
    if (text.length > pos && node.childCount > 0) this.bare(text.slice(pos), base + pos, true, false);
  }

  /** Bare words anywhere in a word node (inside concatenations, not inside strings): no bare newline. */
  words(n: Node): void {
    if (n.type === 'word') this.bare(n.text, n.startIndex, false, true);
    else if (n.type === 'command_name' || n.type === 'concatenation') for (const c of n.namedChildren) this.words(c);
  }

  /** A command named by an unquoted reserved word cannot exist in bash. */
  reservedName(node: Node): void {
    const name = node.childForFieldName('name')?.firstNamedChild;
    if (!name || name.type !== 'word' || !RESERVED_WORDS.has(name.text)) return;
    this.doubtful = true;
    const parent = node.parent;
    const bang = parent?.type === 'negated_command' ? parent.child(0) : null;
    if (bang && bang.type === '!') this.repairs.push({ at: bang.startIndex, remove: 1, insert: ' ' });
  }
}
