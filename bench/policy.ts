/**
 * Benchmark of the permission policy engine.
 *
 *   npx tsx bench/policy.ts [--lines N] [--startup-runs N]
 *
 * Prints: parser start-up (cold, in this process and in fresh processes),
 * decisions per second over a generated corpus, p50/p99/max per decision,
 * and the same corpus through a naive baseline measured in this run (a
 * picomatch glob of the raw string against every configured pattern, the
 * approach the engine replaces), with the ratio between the two.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import picomatch from 'picomatch';
import { DEFAULT_PERMISSIONS } from '../src/core/config/defaults';
import { loadConfig } from '../src/core/config/load';
import { PolicyEngine } from '../src/core/policy';
import { getBashParser } from '../src/core/policy/shell/parser';
import { mulberry32, percentile } from './lib/stats';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '10000' },
    'startup-runs': { type: 'string', default: '5' },
    'startup-only': { type: 'boolean', default: false },
  },
});

const SIMPLE = [
  'ls',
  'ls -la /',
  'ls -lh ~/Downloads',
  'cat README.md',
  'cat /etc/os-release',
  'grep -rn TODO src',
  'find . -name "*.ts"',
  'ps aux',
  'df -h',
  'free -m',
  'uname -a',
  'top -b -n 1',
  'pacman -Qi rust',
  'pacman -Ss firefox',
  'pacman -S firefox',
  'pacman -Syu',
  'pacman -Rns vim',
  'systemctl status nginx',
  'systemctl stop nginx',
  'systemctl start sshd',
  'git clone https://github.com/syui/aios',
  'git status',
  'cargo install ripgrep',
  'rm -rf ./build',
  'rm -rf /',
  'rm -rf /*',
  '/bin/rm -fr /',
  'rm --recursive --force /home/me/tmp',
  'dd if=/dev/zero of=/dev/sda bs=1M',
  'mkfs.ext4 /dev/sdb1',
  'echo hello',
  'echo done > out.txt',
  'echo x > /etc/hosts',
  'curl -fsSL https://example.com/install.sh',
  'python3 -c "print(1)"',
  'find / -name core -delete',
  'find . -type f -exec rm {} \\;',
  'tar xzf archive.tar.gz',
  'journalctl -u nginx --since today',
  'du -sh *',
  'cp a.txt b.txt',
  'mv notes.md docs/',
  'chmod 644 file',
  'make -j8',
];
const WRAPPERS = ['', '', '', 'sudo ', 'sudo -u root ', 'env LANG=C ', 'nice -n 10 ', 'timeout 5 ', 'nohup ', 'time ', 'command ', 'A=1 '];
const OPS = [' ; ', ' && ', ' || ', ' | ', '\n'];

function generate(n: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const simple = (): string => `${pick(WRAPPERS)}${pick(SIMPLE)}`;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (r < 0.45) lines.push(simple());
    else if (r < 0.7) lines.push(`${simple()}${pick(OPS)}${simple()}`);
    else if (r < 0.78) lines.push(`bash -c ${JSON.stringify(`${simple()}; ${simple()}`)}`);
    else if (r < 0.84) lines.push(`echo $(${simple()}) | ${simple()}`);
    else if (r < 0.88) lines.push(`for f in *.log; do ${simple()}; done`);
    else if (r < 0.91) lines.push(`cat <<'EOF' | sh\n${simple()}\nEOF`);
    else if (r < 0.94) lines.push(`f() { ${simple()}; }; f`);
    else if (r < 0.96) lines.push(':(){ :|:& };:');
    else lines.push(`${simple()}${pick(OPS)}${simple()}${pick(OPS)}${simple()}${pick(OPS)}${simple()}`);
  }
  return lines;
}

function fmt(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
}

/** The baseline: the raw string globbed against each list, strictest first. */
function naiveDecider(): (line: string) => string {
  const lists = (['deny', 'require_approval', 'notify', 'auto_allow'] as const).map((list) => ({
    list,
    matchers: DEFAULT_PERMISSIONS[list].map((p) => picomatch(p, { bash: true, dot: true })),
  }));
  return (line) => {
    for (const { list, matchers } of lists) if (matchers.some((m) => m(line))) return list;
    return 'require_approval';
  };
}

async function coldStartup(): Promise<{ parserMs: number; createMs: number }> {
  const t0 = performance.now();
  await getBashParser();
  const parserMs = performance.now() - t0;
  // The parser is cached now: create() adds reading config.toml and compiling its patterns.
  await PolicyEngine.create({ config: loadConfig({ file: path.join(root, 'cfg/config.toml') }) });
  return { parserMs, createMs: performance.now() - t0 };
}

async function main(): Promise<void> {
  if (values['startup-only']) {
    process.stdout.write(`${JSON.stringify(await coldStartup())}\n`);
    return;
  }
  const n = Number(values.lines);
  const runs = Number(values['startup-runs']);

  const cold = await coldStartup();
  const children: Array<{ parserMs: number; createMs: number }> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--startup-only'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status === 0) children.push(JSON.parse(r.stdout.trim().split('\n').pop() as string) as { parserMs: number; createMs: number });
    else process.stderr.write(`startup child failed: ${r.stderr}\n`);
  }

  const engine = await PolicyEngine.create({ config: loadConfig({ file: path.join(root, 'cfg/config.toml') }), hostname: 'bench' });
  const corpus = generate(n, 20251106);
  const ctx = { cwd: '/home/me/project', home: '/home/me' };

  for (const line of corpus.slice(0, 500)) engine.decide(line, ctx); // warm-up (JIT), not counted
  const times: number[] = new Array<number>(corpus.length);
  const counts: Record<string, number> = {};
  const decided: string[] = new Array<string>(corpus.length);
  const start = performance.now();
  for (let i = 0; i < corpus.length; i++) {
    const t = performance.now();
    const r = engine.decide(corpus[i] as string, ctx);
    times[i] = performance.now() - t;
    counts[r.decision] = (counts[r.decision] ?? 0) + 1;
    decided[i] = r.decision;
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  const load = os.loadavg()[0] ?? 0;

  const naive = naiveDecider();
  for (const line of corpus.slice(0, 500)) naive(line);
  const nStart = performance.now();
  const naiveCounts: Record<string, number> = {};
  const naiveDecided: string[] = [];
  for (const line of corpus) {
    const d = naive(line);
    naiveCounts[d] = (naiveCounts[d] ?? 0) + 1;
    naiveDecided.push(d);
  }
  const naiveTotal = performance.now() - nStart;
  const order = ['auto_allow', 'notify', 'require_approval', 'deny'];
  const looser = naiveDecided.filter((d, i) => order.indexOf(d) < order.indexOf(decided[i] as string)).length;
  const missedDeny = naiveDecided.filter((d, i) => d !== 'deny' && decided[i] === 'deny').length;

  const childParser = children.map((c) => c.parserMs).sort((a, b) => a - b);
  const childCreate = children.map((c) => c.createMs).sort((a, b) => a - b);
  const out = [
    `policy engine benchmark (node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cpus)`,
    `corpus: ${corpus.length} generated lines (seeded), cwd ${ctx.cwd}`,
    '',
    'start-up (cold: wasm runtime + bash grammar; then compiling the shipped patterns):',
    `  this process:      parser ${fmt(cold.parserMs)}, PolicyEngine.create total ${fmt(cold.createMs)}`,
    children.length > 0
      ? `  ${children.length} fresh processes: parser median ${fmt(percentile(childParser, 50))} (max ${fmt(childParser[childParser.length - 1] as number)}), create median ${fmt(percentile(childCreate, 50))} (max ${fmt(childCreate[childCreate.length - 1] as number)})`
      : '  fresh processes: none measured',
    '',
    'per decision after start-up:',
    `  decisions/s: ${Math.round(corpus.length / (total / 1000)).toLocaleString('en-US')}`,
    `  p50 ${fmt(percentile(times, 50))}  p90 ${fmt(percentile(times, 90))}  p99 ${fmt(percentile(times, 99))}  max ${fmt(times[times.length - 1] as number)}`,
    `  load average ${load.toFixed(1)} on ${os.cpus().length} cpus${load > os.cpus().length ? ': the machine is busy, so the wall-time tail measures waiting for a CPU' : ''}`,
    `  decisions: ${JSON.stringify(counts)}`,
    '',
    'baseline (picomatch glob of the raw line against every pattern, same corpus):',
    `  decisions/s: ${Math.round(corpus.length / (naiveTotal / 1000)).toLocaleString('en-US')}`,
    `  decisions: ${JSON.stringify(naiveCounts)}`,
    `  ratio: the engine takes ${(total / naiveTotal).toFixed(1)}x the baseline's time per line`,
    `  the baseline is less strict than the engine on ${looser} lines, and misses ${missedDeny} of the engine's ${counts.deny ?? 0} denies`,
    '',
    `targets: p99 < 1 ms: ${percentile(times, 99) < 1 ? 'met' : 'MISSED'}${load > os.cpus().length ? ` (load ${load.toFixed(1)}: run it again when the machine is quiet)` : ''}; start-up < 100 ms: ${(children.length > 0 ? percentile(childCreate, 50) : cold.createMs) < 100 ? 'met' : 'MISSED'}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
