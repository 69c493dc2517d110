import { beforeAll, describe, expect, it } from 'vitest';
import { atLeast, PolicyResultSchema } from '../../src/shared/policy';
import type { PolicyEngine } from '../../src/core/policy';
import { CTX, shippedEngine } from '../support/policy';
import { CORPUS, FALSE_POSITIVES } from './corpus';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

describe('policy corpus (shipped config)', () => {
  it('has at least 80 cases across every category', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
    const categories = new Set(CORPUS.map((k) => k.category));
    for (const needed of [
      'rules',
      'spelling',
      'flags',
      'structure',
      'substitution',
      'functions',
      'redirection',
      'heredoc',
      'nested',
      'wrappers',
      'dynamic',
      'danger',
      'expansion',
      'forkbomb',
      // the harder classes (see corpus.ts)
      'expansion-ops',
      'glob-options',
      'valued-options',
      'wrappers-more',
      'config-options',
      'builtins',
      'deferred',
      'secret-reads',
      'wrapper-options',
      'foreign-root',
      'other-shells',
      'startup-files',
      'own-builds',
    ]) {
      expect(categories, needed).toContain(needed);
    }
  });

  it.each(CORPUS.map((k) => [k.category, k.cmd, k] as const))('[%s] %j', (_cat, cmd, k) => {
    const r = engine.decide(cmd, CTX);
    expect(() => PolicyResultSchema.parse(r)).not.toThrow();
    expect(atLeast(r.decision, k.min), `${JSON.stringify(cmd)} got ${r.decision}: ${r.reasons.join(' | ')}`).toBe(true);
    if (k.exact) expect(r.decision, `${JSON.stringify(cmd)}: ${r.reasons.join(' | ')}`).toBe(k.exact);
  });
});

describe('false positives stay allowed', () => {
  it.each(FALSE_POSITIVES.map((k) => [k.cmd, k] as const))('%j', (cmd, k) => {
    const r = engine.decide(cmd, CTX);
    expect(r.decision, `${JSON.stringify(cmd)}: ${r.reasons.join(' | ')}`).toBe(k.exact);
  });
});
