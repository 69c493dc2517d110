import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/load';
import { PolicyEngine } from '../../src/core/policy';
import { editRulesFile, personRules, readPersonRules, withRuleAdded, withRuleRemoved } from '../../src/core/policy/rules/rules-file';
import { CTX, SHIPPED_CONFIG, shippedEngine, tempDir } from '../support/policy';

/** "Always allow" writes a narrow rule into the person's config.toml without losing a comment; /permissions removes it. */

const F = '/x/config.toml';

describe('the suggested rule', () => {
  it('is the program and the shape of its arguments, never a blanket *', async () => {
    const engine = await shippedEngine({ profile: 'aios-prod' });
    const cases: Array<[string, string | undefined]> = [
      ['seq 1 30', 'seq *'],
      ['sleep 2', 'sleep *'],
      ['ls /tmp | head -3', 'head *'],
      ['docker run -it debian', 'docker run *'],
      ['uptime', 'uptime'],
      ['./build.sh', undefined],
      ['python3 -c 1', undefined],
      ['sudo seq 3', undefined],
      ['seq 3; sleep 1', undefined],
      ['cat ~/.ssh/id_rsa', undefined],
      ['rm -rf build', undefined],
    ];
    for (const [line, rule] of cases) expect(engine.decide(line, CTX).remember?.pattern, line).toBe(rule);
  });

  it('once written, answers the question for that shape only', async () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'config.toml');
      fs.writeFileSync(file, '# mine\n[permissions]\n');
      editRulesFile(file, (text) => withRuleAdded(text, { list: 'auto_allow', pattern: 'seq *' }, file));
      const engine = await PolicyEngine.create({ config: loadConfig({ file }), hostname: 'h' });
      expect(engine.decide('seq 1 30', CTX).decision).toBe('auto_allow');
      expect(engine.decide('seq 5 > /etc/x', CTX).decision).toBe('require_approval');
      expect(engine.decide('seq 5; sleep 1', CTX).decision).toBe('require_approval');
    } finally {
      t.cleanup();
    }
  });
});

describe('editing [permissions] as text', () => {
  it("adds to the shipped file's multi-line list and keeps every comment and line", () => {
    const text = fs.readFileSync(SHIPPED_CONFIG, 'utf8');
    const next = withRuleAdded(text, { list: 'auto_allow', pattern: 'seq *' }, F);
    const doc = parse(next) as { permissions: { auto_allow: string[] } };
    expect(doc.permissions.auto_allow.at(-1)).toBe('seq *');
    for (const line of text.split('\n')) if (line.trim().startsWith('#')) expect(next).toContain(line);
    expect(withRuleRemoved(next, { list: 'auto_allow', pattern: 'seq *' }, F)).toBe(text);
  });

  it('creates [permissions] or the list when missing, and leaves other tables alone', () => {
    const a = withRuleAdded('[ai]\nmodel = "m" # my model\n', { list: 'auto_allow', pattern: 'seq *' }, F);
    expect(a).toBe('[ai]\nmodel = "m" # my model\n\n[permissions]\nauto_allow = ["seq *"]\n');
    const b = withRuleAdded('[permissions]\n# keep\ndeny = ["x"]\n', { list: 'auto_allow', pattern: 'sleep *' }, F);
    expect(personRules(b, F)).toEqual([
      { list: 'auto_allow', pattern: 'sleep *' },
      { list: 'deny', pattern: 'x' },
    ]);
    expect(b).toContain('# keep');
    const c = withRuleAdded('[permissions]\nauto_allow = [\n  "a", # first\n  "b",\n] # end\n', { list: 'auto_allow', pattern: 'c *' }, F);
    expect((parse(c) as { permissions: { auto_allow: string[] } }).permissions.auto_allow).toEqual(['a', 'b', 'c *']);
    expect(c).toContain('# first');
    expect(c).toContain('# end');
  });

  it('removes one rule, keeps the rest, and refuses what is not there', () => {
    const text = '[permissions]\nauto_allow = ["a", "seq *", \'b\'] # mine\n';
    const next = withRuleRemoved(text, { list: 'auto_allow', pattern: 'seq *' }, F);
    expect(next).toBe('[permissions]\nauto_allow = ["a", \'b\'] # mine\n');
    expect(() => withRuleRemoved(next, { list: 'auto_allow', pattern: 'seq *' }, F)).toThrow(/no auto_allow rule/);
    expect(() => withRuleAdded('not toml = = =', { list: 'auto_allow', pattern: 'x' }, F)).toThrow(/not valid TOML/);
  });

  it("writes the file in place and reads the person's rules back", () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'sub', 'config.toml');
      expect(readPersonRules(file)).toEqual([]);
      editRulesFile(file, (text) => withRuleAdded(text, { list: 'auto_allow', pattern: 'seq *' }, file));
      expect(readPersonRules(file)).toEqual([{ list: 'auto_allow', pattern: 'seq *' }]);
      editRulesFile(file, (text) => withRuleRemoved(text, { list: 'auto_allow', pattern: 'seq *' }, file));
      expect(readPersonRules(file)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
