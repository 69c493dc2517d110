import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { getBashParser } from '../../src/core/policy/shell/parser';
import { CTX, engineFromToml, shippedEngine } from '../support/policy';
import { CORPUS, FALSE_POSITIVES } from './corpus';

/**
 * The engine keeps the verdicts it reached (same line, folder and home, same
 * engine): a kept verdict must be exactly the one judged afresh, every
 * time, and a changed config (a new engine) must not see the old ones.
 */
let cached: PolicyEngine;
beforeAll(async () => {
  cached = await shippedEngine();
});
afterEach(() => vi.restoreAllMocks());

const lines = [...CORPUS, ...FALSE_POSITIVES].map((k) => k.cmd);
const contexts = [CTX, { cwd: '/home/me', home: '/home/me' }, { cwd: '/etc' }, { cwd: '/home/me/project', home: '/root' }];

describe('policy decision cache', () => {
  it('gives, for every line of the corpus in several folders, the verdict a fresh engine gives', async () => {
    for (const ctx of contexts) for (const cmd of lines) cached.decide(cmd, ctx); // fill
    for (const ctx of contexts) {
      const fresh = await shippedEngine(); // its own empty cache: every line judged from scratch
      for (const cmd of lines) expect(cached.decide(cmd, ctx), `${JSON.stringify(cmd)} in ${ctx.cwd}`).toEqual(fresh.decide(cmd, ctx));
    }
  });

  it('does not parse a line again that it judged in the same folder', async () => {
    const engine = await shippedEngine();
    const parser = await getBashParser();
    const parse = vi.spyOn(parser, 'parse');
    engine.decide('ls -la src', CTX);
    const first = parse.mock.calls.length;
    expect(first).toBeGreaterThan(0);
    engine.decide('ls -la src', CTX);
    expect(parse.mock.calls.length).toBe(first);
    // Another folder, another home or another line is judged afresh.
    engine.decide('ls -la src', { cwd: '/tmp', home: CTX.home });
    engine.decide('ls -la src', { cwd: CTX.cwd, home: '/root' });
    engine.decide('ls -la srcs', CTX);
    expect(parse.mock.calls.length).toBe(first * 4);
  });

  it('keys on the folder: a write that is allowed in one folder is not allowed from a cached verdict in another', async () => {
    const { engine } = await engineFromToml('[permissions]\nauto_allow = ["touch*"]\n');
    const inside = engine.decide('touch notes.txt', { cwd: '/home/me/project', home: '/home/me' });
    const protectedPlace = engine.decide('touch notes.txt', { cwd: '/home/me/.ssh', home: '/home/me' });
    expect(protectedPlace).toEqual(
      (await engineFromToml('[permissions]\nauto_allow = ["touch*"]\n')).engine.decide('touch notes.txt', {
        cwd: '/home/me/.ssh',
        home: '/home/me',
      }),
    );
    expect(protectedPlace.decision).not.toBe(inside.decision);
  });

  it('hands out verdicts no caller can change: the next one is the same', async () => {
    cached.decide('rm -rf /', CTX); // kept
    const a = cached.decide('rm -rf /', CTX);
    const before = structuredClone(a);
    expect(() => {
      a.decision = 'auto_allow';
    }).toThrow(TypeError);
    expect(() => a.reasons.push('changed by a caller')).toThrow(TypeError);
    expect(() => {
      a.segments.length = 0;
    }).toThrow(TypeError);
    const segment = a.segments[0]!;
    expect(() => {
      segment.decision = 'auto_allow';
    }).toThrow(TypeError);
    expect(() => segment.reasons.push('changed by a caller')).toThrow(TypeError);
    expect(cached.decide('rm -rf /', CTX)).toEqual(before);
    expect(cached.decide('rm -rf /', CTX)).toEqual((await shippedEngine()).decide('rm -rf /', CTX));
  });

  it('is per engine: a changed config (a new engine) judges by the new rules', async () => {
    const allow = (await engineFromToml('[permissions]\nauto_allow = ["printf*"]\n')).engine;
    expect(allow.decide('printf ok', CTX).decision).toBe('auto_allow');
    const deny = (await engineFromToml('[permissions]\ndeny = ["printf*"]\n')).engine;
    expect(deny.decide('printf ok', CTX).decision).toBe('deny');
    expect(allow.decide('printf ok', CTX).decision).toBe('auto_allow');
  });

  it('does not keep a verdict reached through an internal error', async () => {
    const engine = await shippedEngine();
    const parser = await getBashParser();
    const parse = vi.spyOn(parser, 'parse').mockImplementationOnce(() => {
      throw new Error('simulated parser fault');
    });
    const failed = engine.decide('ls', CTX);
    expect(failed.decision).toBe('require_approval');
    expect(failed.reasons.join(' ')).toContain('fails closed');
    parse.mockRestore();
    expect(engine.decide('ls', CTX)).toEqual((await shippedEngine()).decide('ls', CTX));
  });

  it('judges a very long line afresh each time instead of keeping it', async () => {
    const engine = await shippedEngine();
    const parser = await getBashParser();
    const parse = vi.spyOn(parser, 'parse');
    const long = `printf '%s' '${'x'.repeat(9000)}'`;
    const first = engine.decide(long, CTX);
    const once = parse.mock.calls.length;
    expect(engine.decide(long, CTX)).toEqual(first);
    expect(parse.mock.calls.length).toBe(once * 2);
  });
});
