import type { LineFacts } from './judge';
import { joinContinuations } from './shell/lexer';
import { guessedLayers, normalizeCommand } from './programs/normalize';
import { staticArg } from './shell/words';
import type { BashParser } from './shell/parser';
import type { CommandContext, NormalizedCommand } from './shell/types';
import { applyRepairs } from './shell/fidelity';
import { walkTree, type WalkResult } from './shell/walk';

/**
 * Parses a line and everything nested in it (`bash -c '…'`, `eval …`,
 * heredocs fed to a shell, `find -exec …`) into the facts the judge needs.
 * Nesting is followed to a fixed depth; deeper code fails closed.
 */

export const MAX_NESTING = 8;
export const MAX_LINE_LENGTH = 64 * 1024;
const MAX_COMMANDS = 2000;

function walkOnce(parser: BashParser, code: string, home: string | undefined, ctx: CommandContext, lexicalIfDoubtful: boolean): WalkResult {
  const tree = parser.parse(code);
  try {
    return walkTree(tree.rootNode, { home, ctx, lexicalIfDoubtful });
  } finally {
    tree.delete();
  }
}

/**
 * tree-sitter-bash can swallow a newline followed by a backslash into the
 * previous command, and drop an escaped blank between words; bash does
 * neither. When the tree shows that, the code is parsed again with those
 * spots spelled so the grammar reads them as bash does (a space after the
 * newline, the blank quoted). If that still fails, the text is also read
 * word by word.
 */
function walkCode(parser: BashParser, source: string, home: string | undefined, ctx: CommandContext): WalkResult {
  const code = joinContinuations(source);
  const first = walkOnce(parser, code, home, ctx, false);
  if (!first.doubtful) return first;
  const repaired = walkOnce(parser, applyRepairs(code, first.repairs), home, ctx, true);
  repaired.floors.push({
    decision: 'require_approval',
    reason: 'the shell parser misread part of this line (a newline or an escaped blank); it was read again with those spelled out',
  });
  return repaired;
}

interface Job {
  code: string;
  ctx: CommandContext;
}

export function analyzeLine(parser: BashParser, line: string, home: string | undefined, into?: LineFacts): LineFacts {
  const facts: LineFacts = into ?? { commands: [], functions: [], floors: [] };
  const jobs: Job[] = [{ code: line, ctx: { via: [], depth: 0, privileged: false, inFunctions: [] } }];
  const push = (cmd: NormalizedCommand): void => {
    facts.commands.push(cmd);
    for (const n of cmd.nested) {
      if (cmd.ctx.depth + 1 > MAX_NESTING) {
        cmd.floors.push({
          decision: 'require_approval',
          reason: `code nested more than ${MAX_NESTING} levels deep (${n.via}) is not followed`,
        });
        // Unparsed, its words can still be read as commands for the rules that tighten.
        const words =
          n.kind === 'code'
            ? n.code
                .split(/[\s;&|()<>`'"]+/)
                .filter((w) => w !== '')
                .map(staticArg)
            : n.args;
        cmd.layers.push(...guessedLayers(words, 0, words.length, false));
        continue;
      }
      const ctx: CommandContext = {
        via: [...cmd.ctx.via, n.via],
        depth: cmd.ctx.depth + 1,
        privileged: cmd.runsPrivileged,
        inFunctions: cmd.ctx.inFunctions,
      };
      if (n.kind === 'code') jobs.push({ code: n.code, ctx });
      else {
        push(
          normalizeCommand({
            text: n.args.map((a) => a.text).join(' '),
            argv: n.args,
            assignments: [],
            writes: [],
            ctx,
            home,
            open: n.open,
          }),
        );
      }
    }
  };
  while (jobs.length > 0) {
    const job = jobs.shift() as Job;
    if (facts.commands.length > MAX_COMMANDS) {
      facts.floors.push({ decision: 'require_approval', reason: `more than ${MAX_COMMANDS} commands: too many to judge` });
      break;
    }
    const walked = walkCode(parser, job.code, home, job.ctx);
    facts.functions.push(...walked.functions);
    (facts.reads ??= []).push(...walked.reads);
    facts.floors.push(
      ...walked.floors.map((f) => (job.ctx.depth > 0 ? { ...f, reason: `${f.reason} (inside ${job.ctx.via.join(' › ')})` } : f)),
    );
    for (const c of walked.code) {
      if (job.ctx.depth + 1 > MAX_NESTING)
        facts.floors.push({ decision: 'require_approval', reason: `code nested more than ${MAX_NESTING} levels deep is not followed` });
      else jobs.push({ code: c.code, ctx: { ...c.ctx, depth: job.ctx.depth + 1 } });
    }
    for (const raw of walked.commands) {
      push(
        normalizeCommand({
          text: raw.text,
          argv: raw.argv,
          assignments: raw.assignments,
          writes: raw.writes,
          ctx: raw.ctx,
          home,
          ...(raw.guessed ? { guessed: true } : {}),
        }),
      );
    }
  }
  return facts;
}
