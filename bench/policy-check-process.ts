/**
 * What one `aios policy check` costs as a whole process (the wasm
 * bash grammar once made every short-lived aios process linger ~2.5 s after its
 * JavaScript was done, at ~570 MB, while V8 optimized the grammar's lexer).
 *
 *   npx tsx bench/policy-check-process.ts [--runs N]
 *
 * Runs, interleaved so load on the machine hits them alike, under this Node:
 *   baseline   `node -e 0`
 *   aios       `bin/aios.mjs policy check -- 'ls -la'` (the built CLI; `npm run build` first)
 *   control    the grammar loaded and 10 lines parsed with V8's defaults,
 *              and the same with the flags aios sets (parser.ts)
 * and prints wall time and peak RSS (median, min) and aios's ratio to the
 * baseline (target: at most 3x the wall time, under 100 MB).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WASM_BASELINE_FLAGS } from '../src/core/policy/shell/parser';
import { runMeasured, type MeasuredRun } from '../test/support/peak-rss';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, 'control-runs': { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const controlRuns = Number(values['control-runs']);

const cli = path.join(root, 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`policy-check-process: ${cli} is missing; run \`npm run build\` first.\n`);
  process.exit(1);
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-exit-'));
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, 'xdg'),
  AIOS_CONFIG_DIR: path.join(home, 'config'),
  AIOS_DATA_DIR: path.join(home, 'data'),
};
const parseLines = path.join(root, 'test', 'support', 'parse-lines.mjs');

const cases: Record<string, { args: string[]; runs: number; results: MeasuredRun[] }> = {
  'node -e 0 (baseline)': { args: ['-e', '0'], runs, results: [] },
  "aios policy check -- 'ls -la'": { args: [path.join(root, 'bin', 'aios.mjs'), 'policy', 'check', '--', 'ls -la'], runs, results: [] },
  'grammar + 10 lines, V8 defaults': { args: [parseLines, '10'], runs: controlRuns, results: [] },
  'grammar + 10 lines, aios flags': { args: [parseLines, '10', ...WASM_BASELINE_FLAGS], runs: controlRuns, results: [] },
};

try {
  for (let i = 0; i < runs; i++) {
    for (const c of Object.values(cases)) {
      if (i >= c.runs) continue;
      const r = await runMeasured(process.execPath, c.args, { cwd: home, env });
      if (r.code !== 0) throw new Error(`${c.args.join(' ')} exited ${r.code}: ${r.stderr}`);
      c.results.push(r);
    }
  }
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const stat = (c: (typeof cases)[string]) => ({
  wall: median(c.results.map((r) => r.wallMs)),
  wallMin: Math.min(...c.results.map((r) => r.wallMs)),
  rss: median(c.results.map((r) => r.peakRssKb)) / 1024,
});

console.log(
  `policy-check-process (node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0]?.toFixed(1)}), median of ${runs} runs (controls: ${controlRuns})`,
);
for (const [name, c] of Object.entries(cases)) {
  if (c.results.length === 0) continue;
  const s = stat(c);
  console.log(
    `  ${name.padEnd(34)} wall ${s.wall.toFixed(0).padStart(5)} ms (min ${s.wallMin.toFixed(0).padStart(5)})  peak RSS ${s.rss.toFixed(0).padStart(4)} MB`,
  );
}
const base = stat(cases['node -e 0 (baseline)'] as (typeof cases)[string]);
const aios = stat(cases["aios policy check -- 'ls -la'"] as (typeof cases)[string]);
const ratio = aios.wall / base.wall;
const ratioMin = aios.wallMin / base.wallMin;
console.log(
  `  ratio aios / node -e 0: ${ratio.toFixed(1)}x median, ${ratioMin.toFixed(1)}x min (target ≤ 3x); peak ${aios.rss.toFixed(0)} MB (target < 100 MB)`,
);
