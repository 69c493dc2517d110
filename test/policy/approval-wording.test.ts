import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../src/core/policy';
import { approvalText, approvalWording } from '../../src/shared/approval-wording';
import { CTX, shippedEngine } from '../support/policy';

/** The approval question says what the command does and why aios asks, in plain words; the rule stays in the details. */

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await shippedEngine();
});

function ask(command: string) {
  const r = engine.decide(command, CTX);
  const hit = r.segments.find((s) => s.rule && s.rule.list === r.decision)?.rule;
  return approvalWording({ command, cwd: CTX.cwd, rule: hit ? `${hit.list}: ${JSON.stringify(hit.pattern)}` : null, reasons: r.reasons });
}

describe('approval wording', () => {
  it('says which program no rule covers, without the decision jargon in front', () => {
    const w = ask('seq 1 30');
    expect(w.headline).toBe('The AI wants to run `seq 1 30`.');
    expect(w.because).toEqual(['no rule covers `seq`']);
    expect(w.because.join(' ')).not.toMatch(/require_approval|matches/);
    expect(w.details[0]).toBe('rule: none matched');
    expect(w.details.join(' ')).toContain("no rule matches 'seq 1 30'");
  });

  it('says it runs as root and deletes files outside this folder, before the rule', () => {
    const w = ask('sudo rm -rf /tmp/build');
    expect(w.because[0]).toMatch(/runs as root/);
    expect(w.because.join(' ')).toMatch(/deletes files outside this folder \(\/tmp\/build\)/);
    expect(w.details[0]).toBe('rule: require_approval: "rm -rf*"');
  });

  it('names secrets and protected files plainly', () => {
    expect(ask('cat ~/.ssh/id_ed25519').because[0]).toMatch(/reads a secret .*SSH private keys.*AI provider/);
    expect(ask('echo x >> ~/.bashrc').because[0]).toMatch(/changes \/home\/me\/\.bashrc, which aios protects \(a shell start-up file\)/);
  });

  it('passes unknown reasons through as written, so nothing is hidden', () => {
    const w = approvalWording({ command: 'x', cwd: '/', rule: null, reasons: ['something new the engine says'] });
    expect(w.because).toEqual(['something new the engine says']);
  });

  it('gives text hosts one sentence and the details apart', () => {
    const t = approvalText({ command: 'seq 5', cwd: CTX.cwd, rule: null, reasons: ["require_approval: 'seq 5': no rule matches 'seq 5'"] });
    expect(t.because).toBe('aios asks because no rule covers `seq`.');
    expect(t.details.split('\n')[0]).toBe('rule: none matched');
  });
});
