import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { atLeast, decisionRank } from '../../src/shared/policy';
import { CTX, shippedEngine } from '../support/policy';
import { CORPUS, FALSE_POSITIVES } from './corpus';

/**
 * Joining two command lines can only make the decision stricter: for any A
 * and B and OP in `; && || | \n`, decide(A OP B) is at least as strict as
 * decide(A) and decide(B).
 */

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

const OPS = ['; ', ' && ', ' || ', ' | ', '\n'] as const;

// A line can stand on the left of an operator only if the operator still
// belongs to the shell (not to a comment or a heredoc's last line) and the
// line is complete on its own.
const usableLeft = (cmd: string): boolean =>
  cmd.trim() !== '' && !cmd.includes('#') && !cmd.includes('<<') && !/[&|\\]\s*$/.test(cmd) && !cmd.endsWith('\n');
const usableRight = (cmd: string): boolean => cmd.trim() !== '' && !/\|\s*$/.test(cmd);

const pool = [...CORPUS, ...FALSE_POSITIVES].map((k) => k.cmd);
const leftPool = pool.filter(usableLeft);
const rightPool = pool.filter(usableRight);

const program = fc.constantFrom(
  'ls',
  'cat',
  'grep',
  'find',
  'rm',
  'pacman',
  'systemctl',
  'git',
  'dd',
  'mkfs.ext4',
  'echo',
  'cd',
  'tee',
  'python3',
  'sh',
  '/bin/rm',
  '\\rm',
  '"rm"',
  'sudo rm',
  'env A=1 rm',
  'nice -n 5 rm',
  'timeout 5 rm',
  'xargs rm',
  'command rm',
  'sudo -u root pacman',
);
const word = fc.constantFrom(
  '-rf',
  '-r',
  '-f',
  '-fr',
  '--force',
  '--recursive',
  '-Qi',
  '-S',
  '-Syu',
  '-R',
  '-la',
  'status',
  'stop',
  'clone',
  'install',
  '/',
  '/*',
  '//',
  '/home',
  './build',
  'build',
  '..',
  '../..',
  '/tmp/x',
  '~',
  '~/x',
  'x',
  '"$X"',
  '$(ls)',
  "'a b'",
  '{/,x}',
  '-delete',
  '-exec',
  'rm',
  '\\;',
  '-c',
  "'rm -rf /'",
  '>',
  '/dev/null',
  'out.txt',
  '/etc/x',
  '2>&1',
);
const generated = fc.tuple(program, fc.array(word, { maxLength: 5 })).map(([p, ws]) => {
  // A dangling redirection operator at the end is not a command.
  const words = [...ws];
  while (words.length > 0 && (words[words.length - 1] === '>' || words[words.length - 1] === '-exec')) words.pop();
  return [p, ...words].join(' ');
});

const left = fc.oneof(fc.constantFrom(...leftPool), generated);
const right = fc.oneof(fc.constantFrom(...rightPool), generated);

describe('A OP B is never less strict than A or B alone', () => {
  it('holds for corpus lines and generated commands', () => {
    fc.assert(
      fc.property(left, fc.constantFrom(...OPS), right, (a, op, b) => {
        const da = engine.decide(a, CTX).decision;
        const db = engine.decide(b, CTX).decision;
        const joined = engine.decide(`${a}${op}${b}`, CTX);
        const expected = decisionRank(da) >= decisionRank(db) ? da : db;
        expect(
          atLeast(joined.decision, expected),
          `${JSON.stringify(a)} [${da}] ${JSON.stringify(op)} ${JSON.stringify(b)} [${db}] → ${joined.decision}: ${joined.reasons.join(' | ')}`,
        ).toBe(true);
      }),
      { numRuns: 1500, seed: 424242 },
    );
  });

  it('holds for every pair drawn from the deny cases and the allowed cases', () => {
    const denies = CORPUS.filter((k) => k.exact === 'deny' && usableLeft(k.cmd)).map((k) => k.cmd);
    const allowed = FALSE_POSITIVES.filter((k) => k.exact === 'auto_allow' && usableLeft(k.cmd)).map((k) => k.cmd);
    for (const a of allowed) {
      for (const b of denies) {
        for (const op of OPS) {
          const r = engine.decide(`${a}${op}${b}`, CTX);
          expect(r.decision, `${JSON.stringify(`${a}${op}${b}`)}: ${r.reasons.join(' | ')}`).toBe('deny');
        }
      }
    }
    // Exhaustive (every allowed line × every deny × every operator): slow on a loaded machine, not a timing check.
  }, 120_000);
});
