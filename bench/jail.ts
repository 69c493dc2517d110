/**
 * What the jail costs each command, beside a bare spawn of the same command
 * measured in the same run (interleaved, so load hits all alike):
 *   bare      spawn /bin/sh -c CMD
 *   quiet     the quiet path's bubblewrap jail (seccomp program on fd 3), its
 *             limits included (a cgroup made and removed per command as root)
 *   approved  the lifeline PID namespace every other command runs in
 *   preview   the preview of a small command (crun or runc, overlays, reading the result)
 *   preview (runc)  the same under runc, where crun is the runtime
 * Each also says the CPU time one run costs (aios and every process it
 * started), which a busy machine does not stretch as it does the wall clock.
 *
 *   npx tsx bench/jail.ts [--runs N]
 *
 * Targets (median added over bare): quiet ≤ 10 ms, preview ≤ 60 ms.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { approvedLaunch, quietLaunch } from '../src/core/jail';
import { DEFAULT_PREVIEW, previewCommand } from '../src/core/preview';
import { findExecutable } from '../src/core/executable';
import { findOnPath, ociRuntime } from '../src/core/jail/oci-runtime';
import { CpuTally } from './lib/cpu';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' } } });
const runs = Number(values.runs);
const CMD = 'echo hi > out.txt';
const tree = fs.realpathSync(fs.mkdtempSync(path.join('/var/tmp', 'aios-bench-jail-')));
const env = { PATH: '/usr/bin:/bin', HOME: tree, LANG: 'C' };
const bwrap = findExecutable('bwrap', env.PATH);
if (!bwrap) throw new Error('bubblewrap is not installed');

function timed(file: string, args: string[], seccomp?: Buffer, lifeline = false, release?: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, {
      cwd: tree,
      env,
      stdio: [lifeline ? 'pipe' : 'ignore', 'ignore', 'ignore', ...(seccomp ? (['pipe'] as const) : [])],
    });
    child.on('close', () => release?.());
    if (seccomp) (child.stdio[3] as Writable).end(seccomp);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${file} exited ${code}`))));
  });
}

const runtime = ociRuntime();
const alsoRunc = runtime?.name === 'crun' && findOnPath('runc') !== null;
const sample: Record<string, number[]> = { bare: [], quiet: [], approved: [], preview: [], ...(alsoRunc ? { 'preview (runc)': [] } : {}) };
const cpu = new CpuTally();
async function preview(): Promise<number> {
  const t0 = performance.now();
  const p = await previewCommand({ command: CMD, cwd: tree, env }, DEFAULT_PREVIEW);
  if (!p.ran) throw new Error(`the preview did not run: ${p.limits.join('; ')}`);
  return performance.now() - t0;
}
try {
  // Warm: the seccomp program is compiled once per process (a Python run), as in aios.
  quietLaunch(bwrap, '/bin/sh', 'true', { workTree: tree, readOnly: [] });
  for (let i = 0; i < runs; i++) {
    sample.bare?.push(await cpu.measure('bare', () => timed('/bin/sh', ['-c', CMD])));
    // Its limits included: the command's cgroup made, joined by the command's shell and removed (or its rlimits, without root).
    const quiet = await cpu.measure('quiet', async () => {
      const t0q = performance.now();
      const q = quietLaunch(bwrap, '/bin/sh', CMD, { workTree: tree, readOnly: [] });
      const made = performance.now() - t0q;
      return made + (await timed(q.file, q.args, q.seccomp, false, q.release));
    });
    sample.quiet?.push(quiet);
    const a = approvedLaunch('/bin/sh', CMD, env);
    sample.approved?.push(await cpu.measure('approved', () => timed(a.file, a.args, undefined, true)));
    sample.preview?.push(await cpu.measure('preview', preview));
    if (alsoRunc) {
      process.env.AIOS_OCI_RUNTIME = 'runc';
      sample['preview (runc)']?.push(await cpu.measure('preview (runc)', preview));
      delete process.env.AIOS_OCI_RUNTIME;
    }
  }
} finally {
  fs.rmSync(tree, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const bare = median(sample.bare ?? []);
console.log(
  `jail (node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0]?.toFixed(1)}, uid ${process.getuid?.()}, runtime ${runtime?.name ?? 'none'}), median of ${runs} interleaved runs of \`${CMD}\``,
);
for (const [name, xs] of Object.entries(sample)) {
  const m = median(xs);
  const target = name === 'quiet' ? ' (target ≤ 10 ms)' : name === 'preview' ? ' (target ≤ 60 ms)' : '';
  console.log(
    `  ${name.padEnd(14)} ${m.toFixed(1).padStart(7)} ms (min ${Math.min(...xs).toFixed(1)})  added ${(m - bare).toFixed(1).padStart(6)} ms${target}  ratio ${(m / bare).toFixed(1)}x  cpu ${cpu.perRun(name).toFixed(1)} ms/run`,
  );
}
