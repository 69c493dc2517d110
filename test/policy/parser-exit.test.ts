import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WASM_BASELINE_FLAGS } from '../../src/core/policy/shell/parser';
import { runMeasured } from '../support/peak-rss';
import { cliEntry, repoRoot } from '../support/process';

/**
 * With V8's defaults, Node 24 hands tree-sitter-bash's 160 KB lexer
 * function to its optimizing compiler after a line or two, which costs seconds
 * and ~700 MB on a background thread that the process waits for before it
 * exits. These run real processes and look at what V8 compiled (its own trace)
 * and at the kernel's peak RSS, never at wall time.
 */

const parseLines = path.join(repoRoot, 'test', 'support', 'parse-lines.mjs');
const MB = 1024;

/** The functions V8 compiled with its optimizing compiler, from --trace-wasm-compilation-times. */
function optimizedWasm(trace: string): Array<{ bodySize: number }> {
  return [...trace.matchAll(/using TurboFan.*?bodysize (\d+)/g)].map((m) => ({ bodySize: Number(m[1]) }));
}

let home: string;
let env: Record<string, string>;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-parser-exit-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'xdg'),
    AIOS_CONFIG_DIR: path.join(home, 'config'),
    AIOS_DATA_DIR: path.join(home, 'data'),
  };
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('the bash grammar does not make a process heavy at exit', () => {
  it('control: with V8 defaults, parsing ten lines optimizes the lexer and peaks far above 200 MB', async () => {
    const r = await runMeasured(process.execPath, ['--trace-wasm-compilation-times', parseLines, '10'], { cwd: home, env });
    expect(r.code).toBe(0);
    expect(optimizedWasm(r.stdout).some((f) => f.bodySize > 100_000)).toBe(true);
    expect(r.peakRssKb).toBeGreaterThan(300 * MB);
  }, 60_000);

  it('with the flags parser.ts sets, the same ten lines stay on the baseline compiler and small', async () => {
    const r = await runMeasured(process.execPath, ['--trace-wasm-compilation-times', parseLines, '10', ...WASM_BASELINE_FLAGS], {
      cwd: home,
      env,
    });
    expect(r.code).toBe(0);
    expect(optimizedWasm(r.stdout)).toEqual([]);
    expect(r.peakRssKb).toBeLessThan(200 * MB);
  });

  it('one `aios policy check` peaks under 200 MB and never optimizes the grammar', async () => {
    const r = await runMeasured(
      process.execPath,
      ['--trace-wasm-compilation-times', '--import', 'tsx', cliEntry, 'policy', 'check', '--', 'ls -la && rm -rf /tmp/x'],
      { cwd: repoRoot, env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ls -l -a');
    expect(optimizedWasm(r.stdout).filter((f) => f.bodySize > 100_000)).toEqual([]);
    expect(r.peakRssKb).toBeLessThan(200 * MB);
  });

  it('a long-running engine deciding 2,000 lines stays under 200 MB', async () => {
    const script = path.join(home, 'decide-many.mts');
    fs.writeFileSync(
      script,
      [
        `import { loadConfig } from ${JSON.stringify(path.join(repoRoot, 'src/core/config/load'))};`,
        `import { PolicyEngine } from ${JSON.stringify(path.join(repoRoot, 'src/core/policy'))};`,
        `const engine = await PolicyEngine.create({ config: loadConfig({ file: ${JSON.stringify(path.join(repoRoot, 'cfg/config.toml'))} }) });`,
        `const counts: Record<string, number> = {};`,
        `for (let i = 0; i < 2000; i++) {`,
        `  const d = engine.decide(\`ls -la /tmp/d\${i} | grep x && sudo pacman -S pkg\${i}; echo \${i} > /tmp/f\${i}\`, { cwd: '/tmp', home: '/tmp' }).decision;`,
        `  counts[d] = (counts[d] ?? 0) + 1;`,
        `}`,
        `process.stdout.write(JSON.stringify(counts));`,
      ].join('\n'),
    );
    const r = await runMeasured(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const counts = JSON.parse(r.stdout) as Record<string, number>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(2000);
    expect(r.peakRssKb).toBeLessThan(200 * MB);
  });
});
