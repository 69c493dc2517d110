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
 * baseline (target: at most 3x the wall time, under 100 MB). It also prints
 * the CPU time (user + system, all threads) of the baseline and aios, taken
 * from the shell's `times` over a batch of runs: less swayed than wall time
 * by other jobs on a busy machine, though it counts V8's background threads
 * too. The first aios run fills the caches (compile cache, compiled
 * patterns) in the bench's fresh HOME; the medians are of warm starts.
 */
import { spawnSync } from 'node:child_process';
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

/** CPU milliseconds (user + system) per run of `node ARGS`, from the shell's `times` after `count` runs in a row. */
function cpuPerRun(args: readonly string[], count: number): number {
  const script = 'n=$1; shift; i=0; while [ $i -lt $n ]; do "$@" >/dev/null 2>&1 || exit 1; i=$((i+1)); done; times';
  const run = spawnSync('/bin/sh', ['-c', script, 'sh', String(count), process.execPath, ...args], { cwd: home, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed in the CPU pass: ${run.stderr}`);
  // `times`: the shell's own user/system, then its children's, as "0m0.123s 0m0.045s".
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    if (!m) throw new Error(`unexpected times output: ${run.stdout}`);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const [user, system] = (run.stdout.trim().split('\n')[1] ?? '').trim().split(/\s+/);
  return ((seconds(user ?? '') + seconds(system ?? '')) * 1000) / count;
}
const CPU_CASES = ['node -e 0 (baseline)', "aios policy check -- 'ls -la'"] as const;
const cpu: Record<string, number[]> = Object.fromEntries(CPU_CASES.map((n) => [n, []]));

try {
  for (let i = 0; i < runs; i++) {
    for (const c of Object.values(cases)) {
      if (i >= c.runs) continue;
      const r = await runMeasured(process.execPath, c.args, { cwd: home, env });
      if (r.code !== 0) throw new Error(`${c.args.join(' ')} exited ${r.code}: ${r.stderr}`);
      c.results.push(r);
    }
  }
  for (let i = 0; i < 3; i++) for (const name of CPU_CASES) cpu[name]?.push(cpuPerRun((cases[name] as (typeof cases)[string]).args, runs));
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
const cpuBase = median(cpu['node -e 0 (baseline)'] ?? []);
const cpuAios = median(cpu["aios policy check -- 'ls -la'"] ?? []);
console.log(
  `  CPU per run (user + system, all threads; median of 3 batches of ${runs}): node -e 0 ${cpuBase.toFixed(0)} ms, aios ${cpuAios.toFixed(0)} ms, ${(cpuAios / cpuBase).toFixed(1)}x; load at the end ${os.loadavg()[0]?.toFixed(1)}`,
);
