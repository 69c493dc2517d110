/**
 * The approved-preview bench's sudo part, run as a user with passwordless
 * sudo (the bench starts it through setpriv): the same approved command,
 * its preview committed by the root helper against run again through it,
 * interleaved; one helper serves every run (started before the timed runs).
 * Also the wait for the preview itself, by the helper against through sudo.
 * Prints the wall times as JSON (the helper's CPU is not this process's to
 * count per run: it is reaped only when it exits).
 */
import fs from 'node:fs';
import path from 'node:path';
import { approvedOnce } from './approved-once';

const req = JSON.parse(process.argv[2] ?? '{}') as {
  machine: string;
  cwd: string;
  stateDir: string;
  runs: number;
  helper: string[];
  command: string;
};
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/nonexistent', LANG: 'C' };
const base = fs.mkdtempSync(path.join(env.HOME, 'bench-'));
const one = (reuse: boolean) =>
  approvedOnce({
    reuse,
    base,
    machine: req.machine,
    cwd: req.cwd,
    command: req.command,
    env,
    stateDir: req.stateDir,
    rootHelper: req.helper,
  });
const out = { reused: [] as number[], again: [] as number[], previewHelper: [] as number[], previewSudo: [] as number[] };
await one(true);
await one(false);
for (let i = 0; i < req.runs; i++) {
  const a = await one(true);
  const b = await one(false);
  out.reused.push(a.wallMs);
  out.again.push(b.wallMs);
  // The preview itself: run by the root helper (kept) against set up by aios through sudo (not kept).
  out.previewHelper.push(a.previewMs);
  out.previewSudo.push(b.previewMs);
}
console.log(JSON.stringify(out));
process.exit(0);
