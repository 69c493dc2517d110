import { describe, expect, it, vi } from 'vitest';
import type * as Normalize from '../../src/core/policy/programs/normalize';
import { CTX, shippedEngine } from '../support/policy';

/**
 * An internal error must never let a command through: the normaliser is
 * made to throw on a marker program, and the line must still come out at
 * least require_approval, and deny when a part already hit a deny rule.
 */
vi.mock('../../src/core/policy/programs/normalize', async (importOriginal) => {
  const real = await importOriginal<typeof Normalize>();
  return {
    ...real,
    normalizeCommand: (input: Parameters<typeof real.normalizeCommand>[0]) => {
      if (input.argv[0]?.text === 'explode-here') throw new Error('simulated bug');
      return real.normalizeCommand(input);
    },
  };
});

describe('fail closed', () => {
  it('an exception while judging gives require_approval with the reason', async () => {
    const engine = await shippedEngine();
    const r = engine.decide('ls; explode-here', CTX);
    expect(r.decision).toBe('require_approval');
    expect(r.reasons[0]).toMatch(/could not judge this line \(simulated bug\)/);
  });

  it('keeps deny when a part judged before the error matched a deny rule', async () => {
    const engine = await shippedEngine();
    const r = engine.decide('rm -rf /; explode-here', CTX);
    expect(r.decision).toBe('deny');
    expect(r.reasons[0]).toMatch(/fails closed/);
  });

  it('leaves lines without the marker alone', async () => {
    const engine = await shippedEngine();
    expect(engine.decide('ls', CTX).decision).toBe('auto_allow');
  });
});
