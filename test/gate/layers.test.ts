/**
 * The arrows inside the core go one way, and the linter holds them: the
 * policy and the jail never import the gate or the agent, the gate never
 * imports the agent. Checked with the project's own ESLint config on text
 * placed where such a file would live.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const importing = (from: string) => `import type { X } from '${from}';\nexport type Y = X;\n`;

describe('layers inside the core', () => {
  it.each([
    ['src/core/policy/probe.ts', '../gate'],
    ['src/core/policy/probe.ts', '../agent/agent'],
    ['src/core/jail/probe.ts', '../gate/types'],
    ['src/core/jail/probe.ts', '../agent/tools'],
    ['src/core/executor/probe.ts', '../gate'],
    ['src/core/gate/probe.ts', '../agent/tools'],
    ['src/core/gate/probe.ts', '../agent'],
  ])('%s may not import %s', async (file, from) => {
    expect(await restricted(file, importing(from))).toHaveLength(1);
  });

  it.each([
    ['src/core/agent/probe.ts', '../gate'],
    ['src/core/gate/probe.ts', '../policy/jail-decision'],
    ['src/core/gate/probe.ts', '../executor/sandbox'],
    ['src/core/policy/probe.ts', '../config/load'],
  ])('%s may import %s', async (file, from) => {
    expect(await restricted(file, importing(from))).toEqual([]);
  });

  it('no file of the policy, the jail or the gate breaks them today', async () => {
    const results = await eslint.lintFiles(['src/core/policy', 'src/core/jail', 'src/core/executor', 'src/core/preview', 'src/core/gate']);
    const broken = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}: ${m.message}`),
    );
    expect(broken).toEqual([]);
  });
});
