/**
 * What a preview adds before an approval: a small command run
 * through the preview (namespaces, overlays over the working tree and the
 * default system paths, reading the upper layers) against the same command
 * run directly with the same shell, interleaved so load hits both alike.
 *
 *   npx tsx bench/preview.ts [--runs N]
 *
 * Target: at most 60 ms added (median); bench/jail.ts sets it beside the other jails.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_PREVIEW, previewCommand } from '../src/core/preview';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const runs = Number(values.runs);
const COMMAND = 'rm -f build/a.o && echo done > build/stamp';

const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-preview-'));
const reset = () => {
  fs.mkdirSync(path.join(tree, 'build'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'build', 'a.o'), 'x'.repeat(4096));
  fs.rmSync(path.join(tree, 'build', 'stamp'), { force: true });
};
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tree, LANG: 'C' };

const direct = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/bin/bash', ['-c', COMMAND], { cwd: tree, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`direct run exited ${code}`))));
  });

const directMs: number[] = [];
const previewMs: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    reset();
    directMs.push(await direct());
    reset();
    const t0 = performance.now();
    const p = await previewCommand({ command: COMMAND, cwd: tree, env }, DEFAULT_PREVIEW);
    previewMs.push(performance.now() - t0);
    if (!p.ran) throw new Error(`the preview did not run: ${p.limits.join('; ')}`);
    if (p.changes.length !== 2) throw new Error(`expected 2 changes, saw ${JSON.stringify(p.changes)}`);
  }
} finally {
  fs.rmSync(tree, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const d = median(directMs);
const p = median(previewMs);
console.log(
  `preview (node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0]?.toFixed(1)}, uid ${process.getuid?.()}), median of ${runs} runs, overlays over the working tree + ${DEFAULT_PREVIEW.paths.join(' ')}`,
);
console.log(`  direct   ${COMMAND.padEnd(44)} ${d.toFixed(1).padStart(6)} ms (min ${Math.min(...directMs).toFixed(1)})`);
console.log(`  preview  ${COMMAND.padEnd(44)} ${p.toFixed(1).padStart(6)} ms (min ${Math.min(...previewMs).toFixed(1)})`);
console.log(`  added by the preview: ${(p - d).toFixed(0)} ms median (target ≤ 60 ms); ratio ${(p / d).toFixed(1)}x`);
