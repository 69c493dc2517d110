/**
 * What a person waits for after saying yes to a previewed command that runs
 * as a transaction: from the answer to the command done (committed, with
 * its undo record), when the preview's run is committed (this build) and
 * when the command runs again as a transaction (reuse turned off, the way
 * it was before), interleaved in the same run so load hits both alike. The
 * CPU column is aios and every process it started during that wait.
 *
 * Then the same through sudo: as a temporary user with passwordless sudo,
 * the preview committed by the root helper (which ran and kept it in root's
 * folder) against the command run again through the helper (wall only: the
 * helper's CPU is counted when it exits).
 *
 *   npx tsx bench/approved-preview.ts [--runs N] [--no-sudo]    (as root: runc or crun, overlayfs)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tempUser, treeFor } from '../test/jail/support';
import { approvedOnce } from './lib/approved-once';
import { driveAsUser } from './lib/as-user';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' }, 'no-sudo': { type: 'boolean', default: false } } });
const runs = Number(values.runs);
if (process.getuid?.() !== 0) {
  console.log('approved-preview: needs root (the transaction and the preview start runc/crun): skipped');
  process.exit(0);
}

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-approved-'));
const machine = path.join(base, 'machine');
fs.mkdirSync(path.join(machine, 'etc/app'), { recursive: true });
fs.mkdirSync(path.join(machine, 'home/me/project'), { recursive: true });
const conf = path.join(machine, 'etc/app/app.conf');
fs.writeFileSync(conf, 'port = 80\n');
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' };
const COMMAND = `head -c8 /dev/urandom | od -An -x >> ${conf}`;
const once = (reuse: boolean) =>
  approvedOnce({
    reuse,
    base,
    machine,
    cwd: path.join(machine, 'home/me/project'),
    command: COMMAND,
    env,
    stateDir: path.join(base, 'state'),
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
type Timed = { wallMs: number; cpuMs?: number };
const reused: Timed[] = [];
const again: Timed[] = [];
const sudoReused: Timed[] = [];
const sudoAgain: Timed[] = [];
const sudoPreview: { helper: Timed[]; sudo: Timed[] } = { helper: [], sudo: [] };
try {
  await once(true);
  await once(false);
  for (let i = 0; i < runs; i++) {
    reused.push(await once(true));
    again.push(await once(false));
  }
  if (!values['no-sudo']) throughSudo();
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}

/** The same, as a user with passwordless sudo: the root helper (from this build's sources, through tsx) serves both. */
function throughSudo(): void {
  const repo = path.join(import.meta.dirname, '..');
  const user = tempUser(true);
  // The root helper's records: root's, in a folder only root writes (it checks); the machine's file is root's.
  const state = fs.mkdtempSync(path.join('/var/tmp', 'aios-bench-approved-sudo-'));
  try {
    const tree = treeFor(user);
    fs.chmodSync(base, 0o755);
    const tsx = path.join(repo, 'node_modules', '.bin', 'tsx');
    const req = {
      machine,
      cwd: tree,
      stateDir: state,
      runs: Math.max(5, Math.ceil(runs / 2)),
      helper: [process.execPath, tsx, path.join(repo, 'src', 'hosts', 'cli.ts'), 'transaction-helper'],
      command: `head -c8 /dev/urandom | od -An -x | sudo tee -a ${conf} >/dev/null`,
    };
    const got = driveAsUser<{ reused: number[]; again: number[]; previewHelper: number[]; previewSudo: number[] }>(
      user,
      'approved-sudo-driver.mts',
      req,
      900_000,
    );
    sudoReused.push(...got.reused.map((wallMs) => ({ wallMs })));
    sudoAgain.push(...got.again.map((wallMs) => ({ wallMs })));
    sudoPreview.helper.push(...got.previewHelper.map((wallMs) => ({ wallMs })));
    sudoPreview.sudo.push(...got.previewSudo.map((wallMs) => ({ wallMs })));
  } finally {
    user.remove();
    fs.rmSync(state, { recursive: true, force: true });
  }
}
const load = os.loadavg()[0]?.toFixed(1);
const show = (name: string, xs: typeof reused) =>
  console.log(
    `  ${name.padEnd(44)} wall ${median(xs.map((x) => x.wallMs)).toFixed(1)} ms (min ${Math.min(...xs.map((x) => x.wallMs)).toFixed(1)})${xs[0]?.cpuMs === undefined ? '' : `, CPU ${median(xs.map((x) => x.cpuMs ?? 0)).toFixed(1)} ms`}`,
  );
console.log(
  `approved-preview (node ${process.version}, ${os.cpus().length} cpus, load ${load}), from the yes to done, medians of ${runs}:`,
);
show('the preview committed (this build)', reused);
show('run again as a transaction', again);
console.log(`  ratio (committed / run again): ${(median(reused.map((x) => x.wallMs)) / median(again.map((x) => x.wallMs))).toFixed(2)}`);
if (sudoReused.length > 0) {
  console.log(`through sudo (a user with passwordless sudo, the root helper kept), medians of ${sudoReused.length}:`);
  show('the preview committed by the root helper', sudoReused);
  show('run again through the root helper', sudoAgain);
  console.log(
    `  ratio (committed / run again): ${(median(sudoReused.map((x) => x.wallMs)) / median(sudoAgain.map((x) => x.wallMs))).toFixed(2)}`,
  );
  console.log('  the wait for the preview itself (from the command to the preview shown):');
  show('  run by the root helper, kept', sudoPreview.helper);
  show('  set up through sudo by aios, not kept', sudoPreview.sudo);
}
