import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { atLeast } from '../../src/shared/policy';
import { BASH, bashRuns, seen } from '../support/bash-oracle';
import { shippedEngine, tempDir } from '../support/policy';

/**
 * Parameter expansions carrying code, with bash as the oracle: every operator
 * bash has (`#` `##` `%` `%%` `^` `^^` `,` `,,` `/` `//` `/#` `/%` `-` `:-`
 * `=` `:=` `?` `:?` `+` `:+`, substrings, array subscripts, `#`, nesting),
 * each given a word holding `$(…)`, backticks or `<(…)`, with the variable
 * set or unset, quoted or not. Every command bash runs inside them must be
 * one of the engine's segments. Indirection and `@P` run code held in a value: there
 * the line must at least need approval.
 */

let engine: PolicyEngine;
let work: { dir: string; cleanup: () => void };
beforeAll(async () => {
  engine = await shippedEngine();
  work = tempDir('aios-expansion-oracle-');
});
afterAll(() => work?.cleanup());

const inner = fc.tuple(fc.constantFrom('zzb', 'zzrm', 'zzc'), fc.constantFrom('', ' x', ' -rf /', ' "a b"'));
const carrier = inner.chain(([n, a]) => fc.constantFrom(`$(${n}${a})`, `\`${n}${a}\``, `<(${n}${a})`, `$( ${n}${a} )`, `$(: ; ${n}${a})`));
// An operator and where its word goes: `${V<op><word>}` or, for substrings and subscripts, a template.
const operator = fc.constantFrom(
  '#',
  '##',
  '%',
  '%%',
  '^',
  '^^',
  ',',
  ',,',
  '/',
  '//',
  '/#',
  '/%',
  '-',
  ':-',
  '=',
  ':=',
  '+',
  ':+',
  '?',
  ':?',
  'sub-offset',
  'sub-length',
  'subscript',
  'length-subscript',
  'array-default',
  'replace-with',
  'nested',
);

function expansion(op: string, word: string): string {
  switch (op) {
    case 'sub-offset':
      return `\${V:${word}}`;
    case 'sub-length':
      return `\${V:0:${word}}`;
    case 'subscript':
      return `\${A[${word}]}`;
    case 'length-subscript':
      return `\${#A[${word}]}`;
    case 'array-default':
      return `\${A[@]:-${word}}`;
    case 'replace-with':
      return `\${V/a/${word}}`;
    case 'nested':
      return `\${V:-\${W:+${word}}}`;
    default:
      return `\${V${op}${word}}`;
  }
}

const line = fc
  .tuple(
    fc.constantFrom('V=abc; W=1; A=(a b)', 'unset V; W=1; A=()', 'V=; W=; A=(a)'),
    operator,
    carrier,
    fc.constantFrom('bare', 'double', 'assign', 'redirect'),
  )
  .map(([setup, op, word, where]) => {
    const e = expansion(op, word);
    const use =
      where === 'bare' ? `zza ${e}` : where === 'double' ? `zza "${e}"` : where === 'assign' ? `X=${e}; zza` : `zza > /dev/null${e}`;
    return `${setup}; ${use}`;
  });

describe.skipIf(!BASH)('every parameter expansion operator is looked into', () => {
  it('sees every command bash runs inside any operator', () => {
    let ranSomething = 0;
    fc.assert(
      fc.property(line, (l) => {
        const r = engine.decide(l, { cwd: work.dir, home: work.dir });
        const runs = bashRuns(l, work.dir);
        // zza's own words are run-time values; what matters is every command the expansions run.
        for (const argv of runs.filter((a) => a[0] !== 'zza')) {
          ranSomething++;
          expect(
            seen(r.segments, argv),
            `bash ran ${JSON.stringify(argv)} for ${JSON.stringify(l)}; engine saw ${JSON.stringify(r.segments.map((s) => s.argv))}`,
          ).toBe(true);
        }
      }),
      { numRuns: 300, seed: 120012 },
    );
    // The generator is only worth something if bash actually ran the carried code.
    expect(ranSomething).toBeGreaterThan(50);
    // Each run starts a bash: on a loaded machine that takes a while.
  }, 300_000);

  it('sees code that reaches bash through a subscript in a value (indirection, arithmetic)', () => {
    const lines = [
      "V='A[$(zzb x)]'; zza ${!V}",
      "V='A[$(zzb x)]'; zza $((V))",
      "V='A[`zzb x`]'; S=abc; zza ${S:V}",
      "V='A[$(zzb x)]'; [[ $V -eq 0 ]]; zza",
      "declare -n R='A[$(zzb x)]'; zza $R",
    ];
    for (const l of lines) {
      const runs = bashRuns(l, work.dir).filter((a) => a[0] === 'zzb');
      expect(runs.length, `bash ran no zzb for ${JSON.stringify(l)}`).toBeGreaterThan(0);
      const r = engine.decide(l, { cwd: work.dir, home: work.dir });
      for (const argv of runs)
        expect(seen(r.segments, argv), `${JSON.stringify(l)}: ${JSON.stringify(r.segments.map((s) => s.argv))}`).toBe(true);
      expect(atLeast(r.decision, 'require_approval'), l).toBe(true);
    }
  });

  it('needs approval where the code is in a value no reading can see (${!x}, ${x@P})', () => {
    for (const l of ['zza ${!V}', 'zza "${!V}"', 'zza ${V@P}', 'ls ${!V}', 'ls ${V@P}']) {
      const r = engine.decide(l, { cwd: work.dir, home: work.dir });
      expect(atLeast(r.decision, 'require_approval'), `${l}: ${r.decision}`).toBe(true);
    }
    // Listing names or keys runs nothing.
    expect(engine.decide('ls ${!BASH*} ${!A[@]}', { cwd: work.dir, home: work.dir }).decision).toBe('auto_allow');
    expect(bashRuns("V='$(zzb p)'; zza ${V@P}", work.dir).some((a) => a[0] === 'zzb')).toBe(true);
  });
});
