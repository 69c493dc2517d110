import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { getBashParser } from '../../src/core/policy/shell/parser';
import { PolicyResultSchema } from '../../src/shared/policy';
import { CTX, shippedEngine } from '../support/policy';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

describe('PolicyEngine', () => {
  it('loads the grammar once per process, whatever the number of engines', async () => {
    const a = await getBashParser();
    await shippedEngine();
    await shippedEngine();
    expect(await getBashParser()).toBe(a);
  });

  it('explains each segment: argv, normalised form, decision, rule, reasons', () => {
    const r = engine.decide('ls -la / && sudo env rm -r -f /', CTX);
    expect(r.decision).toBe('deny');
    expect(r.segments).toHaveLength(2);
    expect(r.segments[0]).toMatchObject({
      argv: ['ls', '-la', '/'],
      normalized: 'ls -l -a /',
      decision: 'auto_allow',
      rule: { list: 'auto_allow', pattern: 'ls' },
    });
    expect(r.segments[1]).toMatchObject({
      argv: ['sudo', 'env', 'rm', '-r', '-f', '/'],
      normalized: 'rm -r -f /',
      decision: 'deny',
      wrappers: ['sudo', 'env'],
      rule: { list: 'deny', pattern: 'rm -rf /', source: 'permissions' },
    });
    expect(r.reasons.some((x) => x.includes('deny'))).toBe(true);
  });

  it('says where a segment came from', () => {
    const r = engine.decide(`bash -c "echo \\$(rm -rf /)"`, CTX);
    const rm = r.segments.find((s) => s.argv[0] === 'rm');
    expect(rm?.via).toEqual(['bash -c', '$(…)']);
    expect(rm?.decision).toBe('deny');
  });

  it('asks for approval when nothing matches, and says so', () => {
    const r = engine.decide('frobnicate --all', CTX);
    expect(r.decision).toBe('require_approval');
    expect(r.segments[0]?.rule).toBeUndefined();
    expect(r.segments[0]?.reasons.join(' ')).toMatch(/no rule matches/);
  });

  it('gives a line with no command require_approval', () => {
    for (const line of ['', '   ', '# just a comment', 'X=1']) {
      expect(engine.decide(line, CTX).decision, JSON.stringify(line)).toBe('require_approval');
    }
  });

  it('treats ~ as unknown when no home is given', () => {
    expect(engine.decide('ls > ~/notes.txt', { cwd: '/home/me' }).decision).toBe('require_approval');
    expect(engine.decide('ls > ~/notes.txt', { cwd: '/home/me', home: '/home/me' }).decision).toBe('auto_allow');
  });

  it('judges writes against the working directory it is given', () => {
    expect(engine.decide('ls > out.txt', { cwd: '/srv/project' }).decision).toBe('require_approval');
    expect(engine.decide('ls > out.txt', { cwd: '/home/me/project' }).decision).toBe('auto_allow');
    expect(engine.decide('ls > /home/me/project/sub/out.txt', { cwd: '/home/me/project' }).decision).toBe('auto_allow');
  });

  it('refuses lines too long to judge', () => {
    const r = engine.decide(`ls ${'x'.repeat(70_000)}`, CTX);
    expect(r.decision).toBe('require_approval');
    expect(r.reasons[0]).toMatch(/too long/);
  });

  it('fails closed on brace expansions too large to follow', () => {
    const r = engine.decide('ls {1..100000}', CTX);
    expect(r.decision).toBe('require_approval');
    expect(r.reasons.join(' ')).toMatch(/brace expansion/);
  });

  it('stops following nested code at a depth limit, still denying what it can read', () => {
    const r = engine.decide(`${'eval '.repeat(12)}rm -rf /`, CTX);
    expect(r.decision).toBe('deny');
    expect(r.segments.some((s) => s.reasons.some((x) => /nested more than/.test(x)))).toBe(true);
    let code = 'ls';
    for (let i = 0; i < 12; i++) code = `bash -c ${JSON.stringify(code)}`;
    expect(engine.decide(code, CTX).decision).toBe('require_approval');
  });

  it('describes the policy in one paragraph', () => {
    const text = engine.describe();
    expect(text).not.toMatch(/\n/);
    for (const p of ['"ls"', '"pacman -S*"', '"rm -rf*"', '"rm -rf /"', ':(){ :|:& };:']) expect(text).toContain(p);
    expect(text).toMatch(/needs approval/);
  });

  it('never throws and always returns a valid result, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (line) => {
        const r = engine.decide(line, CTX);
        expect(() => PolicyResultSchema.parse(r)).not.toThrow();
      }),
      { numRuns: 400, seed: 7 },
    );
    const shell = fc.stringMatching(/^[a-z $(){}<>|&;'"`\\\n*~/=.-]{0,60}$/);
    fc.assert(
      fc.property(shell, (line) => {
        const r = engine.decide(line, CTX);
        expect(() => PolicyResultSchema.parse(r)).not.toThrow();
      }),
      { numRuns: 600, seed: 11 },
    );
  });
});
