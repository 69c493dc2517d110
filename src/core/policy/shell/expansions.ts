import type { Node } from 'web-tree-sitter';
import { closeParen } from './lexer';
import type { Floor } from './types';

/**
 * Parameter expansions (`${…}`) as carriers of code. Every one of bash's
 * operators takes a word that is expanded in turn (`${x:-$(cmd)}`,
 * `${x#\`cmd\`}`, `${x/<(cmd)/y}`, `${x:$(cmd)}`, `${a[$(cmd)]}`, …), and the
 * grammar only parses the inside of some of them. So the text of every
 * expansion is read here, the way bash reads it, and each substitution in it
 * the tree did not already give us is handed back as code to judge.
 *
 * Two operators run code held in a variable's value, which no reading of the
 * line can see: indirection (`${!x}` where x holds `a[$(cmd)]`) and prompt
 * expansion (`${x@P}`). Those are floors.
 */

/** Code bodies of `$(…)`, backticks, `<(…)` and `>(…)` in `text`, with where each starts. */
export function substitutionsIn(text: string): Array<{ at: number; code: string }> {
  const out: Array<{ at: number; code: string }> = [];
  for (let k = 0; k < text.length; k++) {
    const c = text[k] as string;
    if (c === '\\') {
      k++;
      continue;
    }
    // Quotes inside `${…}` mean different things in and out of double quotes: read through them (only stricter).
    if ((c === '$' || c === '<' || c === '>') && text[k + 1] === '(') {
      if (c === '$' && text[k + 2] === '(') continue; // $(( … )): arithmetic, its inside is read on the next turns
      const end = closeParen(text, k + 2);
      out.push({ at: k, code: text.slice(k + 2, end) });
      k = end;
      continue;
    }
    if (c === '`') {
      let end = k + 1;
      for (; end < text.length && text[end] !== '`'; end++) if (text[end] === '\\') end++;
      out.push({ at: k, code: text.slice(k + 1, end).replace(/\\([$`\\])/g, '$1') });
      k = end;
    }
  }
  return out;
}

const SUBSTITUTION_TYPES = new Set(['command_substitution', 'process_substitution']);

function treeSubstitutionStarts(node: Node, into: Set<number>): void {
  for (const child of node.namedChildren) {
    if (SUBSTITUTION_TYPES.has(child.type)) into.add(child.startIndex);
    treeSubstitutionStarts(child, into);
  }
}

/** What bash does with a run-time value inside this `${…}` that no reading of the line can see. */
export function expansionFloor(text: string): Floor | undefined {
  const body = text.slice(2, text.endsWith('}') ? -1 : undefined);
  // `${!prefix*}`, `${!prefix@}`, `${!name[@]}`, `${!name[*]}` list names or keys; anything else after `!` is indirection.
  if (body.startsWith('!') && !/^![A-Za-z_][A-Za-z0-9_]*(?:[*@]|\[[*@]\])$/.test(body)) {
    return {
      decision: 'require_approval',
      reason: `${text} expands the variable a value names; bash evaluates a subscript in that name (a[$(…)]) and runs what it holds`,
    };
  }
  if (/@P$/.test(body))
    return { decision: 'require_approval', reason: `${text} expands a value as a prompt, which runs any $(…) it holds` };
  return undefined;
}

function heredocIsQuoted(body: Node): boolean {
  const start = body.parent?.children.find((c) => c.type === 'heredoc_start');
  return start !== undefined && /['"\\]/.test(start.text);
}

export interface ExpansionFindings {
  code: string[];
  floors: Floor[];
}

/**
 * Every `${…}` in the tree: the substitutions the grammar left as text, and
 * the floors for indirection and prompt expansion.
 */
export function scanExpansions(root: Node): ExpansionFindings {
  const found: ExpansionFindings = { code: [], floors: [] };
  const seen = new Set<number>();
  const visit = (node: Node): void => {
    if (node.type === 'heredoc_body' && heredocIsQuoted(node)) return;
    if (node.type === 'raw_string') return;
    if (node.type === 'expansion') {
      const floor = expansionFloor(node.text);
      if (floor && !found.floors.some((f) => f.reason === floor.reason)) found.floors.push(floor);
      treeSubstitutionStarts(node, seen);
      for (const s of substitutionsIn(node.text.slice(2))) {
        const at = node.startIndex + 2 + s.at;
        if (seen.has(at)) continue;
        seen.add(at);
        if (s.code.trim() !== '') found.code.push(s.code);
      }
    }
    for (const child of node.namedChildren) visit(child);
  };
  visit(root);
  return found;
}
