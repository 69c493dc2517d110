import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { BASH, bashRuns as runInBash, seen } from '../support/bash-oracle';
import { shippedEngine, tempDir } from '../support/policy';

/**
 * bash itself as the oracle: random lines built from every kind of quoting,
 * escaping and separator are run by a real bash in which no program exists,
 * so each command it would run lands in `command_not_found_handle` and is
 * recorded instead of executed. Every recorded argv must be one of the
 * engine's segments: the engine never misses a command bash would run, and
 * reads its words exactly as bash does.
 */

let engine: PolicyEngine;
let work: { dir: string; cleanup: () => void };
beforeAll(async () => {
  engine = await shippedEngine();
  work = tempDir('aios-bash-oracle-');
});
afterAll(() => work?.cleanup());

const bashRuns = (line: string): string[][] => runInBash(line, work.dir);

// Programs are never found (PATH points nowhere) and contain no slash, so nothing real runs.
const name = fc.constantFrom('zza', 'zzb', 'zzrm', 'zzls', 'zzsudo');
const plain = fc.stringMatching(/^[a-z0-9_.,:@%+=-]{1,6}$/).filter((s) => !s.startsWith('-') || s.length > 1);
const single = fc.stringMatching(/^[a-z ;&|()<>$`"\\*?!#-]{0,6}$/).map((s) => `'${s}'`);
const double = fc.stringMatching(/^[a-z ;&|()<>'!#*?-]{0,6}$/).map((s) => `"${s}"`);
const escaped = fc.constantFrom('\\ ', '\\;', "\\'", '\\"', '\\\\', '\\|', '\\&', '\\>', '\\#', '\\$', '\\a', '\\\n');
const ansi = fc.constantFrom("$'a\\x41'", "$'\\t'", "$'it\\'s'", "$'\\101\\102'", "$'\\u00e9'");
const brace = fc.constantFrom('{a,b}', 'x{1..3}', '{p,q}{r,s}', 'a{,b}', '{x}', 'a{b}c');
const piece = fc.oneof({ weight: 4, arbitrary: plain }, single, double, escaped, ansi, brace);
const word = fc.array(piece, { minLength: 1, maxLength: 3 }).map((ps) => ps.join(''));

const simple = fc.tuple(name, fc.array(word, { maxLength: 4 })).map(([n, ws]) => [n, ...ws].join(' '));

const { line } = fc.letrec<{ line: string }>((tie) => ({
  line: fc.oneof(
    { weight: 5, arbitrary: simple },
    fc
      .tuple(tie('line'), fc.constantFrom(' ; ', ' && ', ' || ', ' | ', '\n', ' |& ', ' & '), tie('line'))
      .map(([a, op, b]) => `${a}${op}${b}`),
    tie('line').map((a) => `( ${a} )`),
    tie('line').map((a) => `{ ${a} ; }`),
    tie('line').map((a) => `: $( ${a} )`),
    fc.tuple(name, fc.array(plain, { maxLength: 3 })).map(([n, ws]) => `: "\`${[n, ...ws].join(' ')}\`"`),
    fc.tuple(tie('line'), tie('line')).map(([a, b]) => `if ${a}; then ${b}; fi`),
    fc.tuple(tie('line'), tie('line')).map(([a, b]) => `for zzv in 1; do ${a}; done; ${b}`),
    tie('line').map((a) => `f_zz() { ${a} ; }; f_zz`),
    tie('line').map((a) => `${a} # ; zzcomment`),
    tie('line').map((a) => `{ ${a} ; } > /dev/null`),
    fc.tuple(name, plain, plain).map(([n, w, x]) => `${n} ${w} >/dev/null ${x}`),
    fc.tuple(name, tie('line')).map(([n, a]) => `${n} <<'EOF'\n${a}\nEOF`),
    fc.tuple(name, tie('line')).map(([n, a]) => `${n} <<EOF\n$(${a})\nEOF`),
    simple.map((a) => `ZZVAR=1 ${a}`),
    tie('line').map((a) => `! ${a}`),
    simple.map((a) => `time ${a}`),
    fc.tuple(tie('line'), tie('line')).map(([a, b]) => `case q in q) ${a} ;; *) ${b} ;; esac`),
  ),
}));

describe.skipIf(!BASH)('the engine sees every command bash runs', () => {
  it('for random lines of quotes, escapes, separators and groups', () => {
    fc.assert(
      fc.property(line, (l) => {
        const segments = engine.decide(l, { cwd: work.dir, home: work.dir }).segments;
        for (const argv of bashRuns(l)) {
          expect(
            seen(segments, argv),
            `bash ran ${JSON.stringify(argv)} for ${JSON.stringify(l)}; engine saw ${JSON.stringify(segments.map((s) => s.argv))}`,
          ).toBe(true);
        }
      }),
      { numRuns: 250, seed: 20251106 },
    );
    // Each run starts a bash: on a loaded machine that takes a while.
  }, 300_000);

  it('on hand-picked lines where the grammar and bash are known to be easy to confuse', () => {
    const lines = [
      'zza\n\\zzb x',
      'zza 2>&1\n\\zzb',
      'zza >/dev/null\n\\zzb -rf /',
      'zza\n\\\nzzb x',
      'zza \\; zzb',
      'zza \\  x',
      'zza \\ .',
      'zza \'b;c\' "d|e" f\\&g',
      'zza $"x" y',
      '{zzrm,-rf,/}',
      'zza {,b}c',
      'zza; {zzb,x} y',
      'zza >/dev/null zzb c',
      'zza |& zzb',
      'zza & zzb',
      "zza <<'EOF'\n$(zzb)\nEOF",
      'zza <<EOF\n$(zzb inner)\nEOF',
      'zza <<EOF | zzb\nbody\nEOF',
      'zza <<EOF && zzb\nbody\nEOF',
      'zza <<<"$(zzb)"',
      '! zza x',
      'zza x #zzb',
      'zza x#y',
      'time zza',
      'case q in q) zza;; esac',
      'while zza; do break; done',
      '[[ $(zza) ]] && zzb',
      'zza=1 zzb',
      'x=$(zza) zzb',
    ];
    for (const l of lines) {
      const runs = bashRuns(l);
      expect(runs.length, `bash ran nothing for ${JSON.stringify(l)}`).toBeGreaterThan(0);
      const segments = engine.decide(l, { cwd: work.dir, home: work.dir }).segments;
      for (const argv of runs) {
        expect(
          seen(segments, argv),
          `bash ran ${JSON.stringify(argv)} for ${JSON.stringify(l)}; engine saw ${JSON.stringify(segments.map((s) => s.argv))}`,
        ).toBe(true);
      }
    }
  });
});
