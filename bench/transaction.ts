/**
 * What running a command as a transaction costs, beside the same command run
 * as notify commands run without transactions (the lifeline launch), in the
 * same run, interleaved:
 *   small      `date +%N > out.txt` in a working tree (a new content each time, so
 *              every run commits a change), overlays on the tree only
 *   machine    the same with the default overlaid folders (/tmp /etc /usr /var …)
 *   apt        apt-get install of a small local .deb on a scratch root (then
 *              removed again: purge for the bare run, undo for the transaction),
 *              once with an empty package database (the floor: apt's own work is
 *              least, so the transaction's fixed cost weighs most) and once with a
 *              copy of this machine's (/var/lib/dpkg and apt's lists: what an
 *              install on a machine reads and rewrites; the target's case)
 *   100 MB     commit of 100 files of 1 MB written by the command, and its undo
 *   disk       what an undo record takes: an edit, 100 MB added, 100 MB deleted
 *   runc       the small command again under runc, where crun is the jail's runtime
 *   sudo       the small command as a user with passwordless sudo (a temporary
 *              one): notify, and a transaction through the root helper (`sudo -n
 *              aios transaction-helper`, the built app: run `npm run build` first;
 *              started for the first command, kept for the next), and the helper's
 *              start alone
 * The time is the answer's: the spent upper layers are removed after it. Each
 * series also says the CPU time one run costs (aios and every process it
 * started), which a busy machine does not stretch as it does the wall clock.
 *
 *   npx tsx bench/transaction.ts [--runs N] [--ballast-mb MB] [--cases small,pieces,apt,big,sudo]   (as root)
 *
 * --cases runs only those parts (all by default): `--cases small` is the small
 * command alone, over the working tree and the default folders, with the
 * state folder beside the tree and in /var/lib (where aios keeps it).
 *
 * --ballast-mb makes the bench process that much larger (touched memory), as
 * a long-running aios is: each process aios starts costs a fork of it.
 *
 * Targets: small ≤ 50 ms added (median), apt ≤ 20 % added.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { approvedLaunch } from '../src/core/jail';
import { findOnPath, ociRuntime } from '../src/core/jail/oci-runtime';
import { removeRun, removeRunLater, spentRunsRemoved } from '../src/core/jail/preview';
import { readXattrs } from '../src/core/transaction/xattrs';
import { beginTransaction, commitTransaction, undoRecord, UndoStore } from '../src/core/transaction';
import { formatBytes } from '../src/core/preview';
import { aptInstallInto, buildDeb, copyHostPackageDatabase, scratchDpkgRoot } from '../test/transaction/support';
import { tempUser, treeFor } from '../test/jail/support';
import { CpuTally } from './lib/cpu';
import { driveAsUser } from './lib/as-user';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '11' },
    'ballast-mb': { type: 'string', default: '0' },
    cases: { type: 'string', default: 'small,pieces,apt,big,sudo' },
  },
});
const runs = Number(values.runs);
const cases = new Set(values.cases.split(','));
// A larger aios (the Electron app, a long chat): every process it starts costs a fork of its whole memory.
const ballast = Buffer.alloc(Number(values['ballast-mb']) * 1024 * 1024, 1);
if (process.getuid?.() !== 0) throw new Error('transactions need root: run the bench as root');
const base = fs.realpathSync(fs.mkdtempSync(path.join('/var/tmp', 'aios-bench-tx-')));
const tree = path.join(base, 'work');
fs.mkdirSync(tree);
// NEEDRESTART_SUSPEND: the host's needrestart hook would scan every process after the bare apt-get (seconds here), and
// finds nothing to do in a transaction (its /run is empty): off for both, so they compare.
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: tree, LANG: 'C', NEEDRESTART_SUSPEND: '1' };
const store = new UndoStore(path.join(base, 'state'));
const defaultStore = store;
// The state folder where aios keeps it (/var/lib/aios): inside /var, one of the default folders.
const varLib = fs.mkdtempSync('/var/lib/aios-bench-tx-');
const storeInVarLib = new UndoStore(path.join(varLib, 'state'));
const limits = { maxBytes: 2 ** 40, maxAgeMs: 86_400_000 };
const SMALL = 'date +%N > out.txt';
const MACHINE = ['/tmp', '/etc', '/usr', '/var', '/opt', '/home', '/root', '/srv'];

function bare(command: string, cwd = tree): Promise<number> {
  return new Promise((resolve, reject) => {
    const a = approvedLaunch('/bin/sh', command, env);
    const t0 = performance.now();
    const child = spawn(a.file, a.args, { cwd, env: a.env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${command} exited ${code}`))));
  });
}

async function transaction(
  command: string,
  paths: readonly string[],
  cwd = tree,
  dpkgStatus = path.join(base, 'm/var/lib/dpkg/status'),
  store = defaultStore,
): Promise<{ ms: number; commitMs: number; id: string | null; overlays: number; packages?: { added: string[] } }> {
  const t0 = performance.now();
  const p = await beginTransaction(store, { command, cwd, env, paths, network: false, timeoutMs: 120_000 });
  if (p.exitCode !== 0) throw new Error(`${command} exited ${p.exitCode}: ${p.stderr}`);
  const t1 = performance.now();
  const c = commitTransaction(store, p, { command, cwd, limits, dpkgStatus });
  const t2 = performance.now();
  // The spent upper layers are removed after the answer, off the event loop: waited for outside every timed window.
  await spentRunsRemoved();
  return {
    ms: t2 - t0,
    commitMs: t2 - t1,
    id: c.record?.id ?? null,
    overlays: p.run.targets.length,
    ...(c.record?.packages ? { packages: c.record.packages } : {}),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const cpu = new CpuTally();
const line = (name: string, xs: number[], baseline: number, target = '', cpuPerRun = NaN) => {
  const m = median(xs);
  const c = Number.isNaN(cpuPerRun) ? '' : `  cpu ${cpuPerRun.toFixed(1)} ms/run`;
  console.log(
    `  ${name.padEnd(12)} ${m.toFixed(1).padStart(8)} ms (min ${Math.min(...xs).toFixed(1)})  added ${(m - baseline).toFixed(1).padStart(7)} ms  ratio ${(m / baseline).toFixed(2)}x${target}${c}`,
  );
};
const runtime = ociRuntime();
// Where crun is the jail's runtime, the small command runs under runc too, in the same run: what crun saves.
const alsoRunc = runtime?.name === 'crun' && findOnPath('runc') !== null;
async function underRunc<T>(fn: () => Promise<T>): Promise<T> {
  process.env.AIOS_OCI_RUNTIME = 'runc';
  try {
    return await fn();
  } finally {
    delete process.env.AIOS_OCI_RUNTIME;
  }
}

try {
  console.log(
    `transaction (node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0]?.toFixed(1)}, runtime ${runtime?.name ?? 'none'}, state in ${store.root}, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB with ${ballast.length / 2 ** 20} MB of ballast)`,
  );
  if (cases.has('small')) await smallCommand();
  if (cases.has('pieces')) await pieces();

  if (cases.has('apt')) await aptCases();
  if (cases.has('big')) await bigAndDisk();
  if (cases.has('sudo')) await throughSudo();
} finally {
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(varLib, { recursive: true, force: true });
}

/** The small command: plain, and as a transaction over the tree, the default folders (the state folder beside the tree, and in /var/lib), under runc. */
async function smallCommand(): Promise<void> {
  const small = { bare: [] as number[], small: [] as number[], machine: [] as number[], varLib: [] as number[], runc: [] as number[] };
  const overlays = { small: 0, machine: 0, varLib: 0 };
  await transaction('true', [tree]);
  await transaction('true', MACHINE, tree, undefined, storeInVarLib);
  if (alsoRunc) await underRunc(() => transaction('true', [tree]));
  for (let i = 0; i < runs; i++) {
    small.bare.push(await cpu.measure('notify', () => bare(SMALL)));
    const t = await cpu.measure('tree', () => transaction(SMALL, [tree]));
    small.small.push(t.ms);
    overlays.small = t.overlays;
    const m = await cpu.measure('machine', () => transaction(SMALL, MACHINE));
    small.machine.push(m.ms);
    overlays.machine = m.overlays;
    const v = await cpu.measure('var/lib', () => transaction(SMALL, MACHINE, tree, undefined, storeInVarLib));
    small.varLib.push(v.ms);
    overlays.varLib = v.overlays;
    if (alsoRunc) small.runc.push((await cpu.measure('runc', () => underRunc(() => transaction(SMALL, [tree])))).ms);
  }
  console.log(`small command \`${SMALL}\`, median of ${runs} interleaved runs (load ${os.loadavg()[0]?.toFixed(1)} at the end)`);
  line('notify', small.bare, median(small.bare), '', cpu.perRun('notify'));
  line('tx (tree)', small.small, median(small.bare), ` (target ≤ 50 ms added; ${overlays.small} overlay)`, cpu.perRun('tree'));
  line('tx (machine)', small.machine, median(small.bare), ` (target ≤ 50 ms added; ${overlays.machine} overlays)`, cpu.perRun('machine'));
  line(
    'tx (/var/lib)',
    small.varLib,
    median(small.bare),
    ` (the same, state folder in /var/lib; ${overlays.varLib} overlays)`,
    cpu.perRun('var/lib'),
  );
  if (alsoRunc) line('tx (runc)', small.runc, median(small.bare), ' (the tree, under runc)', cpu.perRun('runc'));
}

/**
 * apt-get install of a small local package on a scratch root: with an empty package database (apt's least work:
 * the floor), and with a copy of this machine's (what an install on a machine reads and writes).
 */
async function aptCases(): Promise<void> {
  buildDeb(
    path.join(base, 'pkg'),
    path.join(base, 'hello.deb'),
    { name: 'aios-bench-hello', description: 'bench' },
    {
      'usr/bin/aios-bench-hello': ['#!/bin/sh\necho hello\n', 0o755],
    },
  );
  scratchDpkgRoot(path.join(base, 'm'));
  await aptCase('an empty package database', path.join(base, 'm'), '');
  const copied = path.join(base, 'm-host');
  // About a second a run: more runs, as its median is read against a small difference.
  if (copyHostPackageDatabase(copied))
    await aptCase("a copy of this machine's package database", copied, ' (target ≤ 20 % added)', Math.max(6, Math.ceil(runs / 2)));
  else console.log("apt-get install with this machine's package database: skipped (no /var/lib/dpkg/status here)");
}

/** 100 MB of new files: commit, undo, and the record's disk. */
async function bigAndDisk(): Promise<void> {
  const big = { bare: [] as number[], tx: [] as number[], commit: [] as number[], undo: [] as number[] };
  const write = 'mkdir -p big && for i in $(seq 100); do head -c 1048576 /dev/zero > big/f$i; done';
  let addRecord = 0;
  let delRecord = 0;
  for (let i = 0; i < 3; i++) {
    big.bare.push(await bare(write));
    fs.rmSync(path.join(tree, 'big'), { recursive: true, force: true });
    const t = await transaction(write, [tree]);
    big.tx.push(t.ms);
    big.commit.push(t.commitMs);
    addRecord = UndoStore.diskBytes(store.dir(t.id!));
    const d = await transaction('rm -rf big', [tree]);
    delRecord = UndoStore.diskBytes(store.dir(d.id!));
    undoRecord(store, d.id!);
    const u0 = performance.now();
    undoRecord(store, t.id!);
    big.undo.push(performance.now() - u0);
  }
  console.log('100 files of 1 MB written by the command, median of 3');
  line('plain', big.bare, median(big.bare));
  line('transaction', big.tx, median(big.bare));
  console.log(`  commit       ${median(big.commit).toFixed(1).padStart(8)} ms   undo ${median(big.undo).toFixed(1)} ms`);

  const edit = await transaction('echo changed > out.txt', [tree]);
  console.log('disk per undo record');
  console.log(`  an edit of a small file    ${formatBytes(UndoStore.diskBytes(store.dir(edit.id!)))}`);
  console.log(`  100 MB added               ${formatBytes(addRecord)} (the files themselves are not copied)`);
  console.log(`  100 MB deleted             ${formatBytes(delRecord)} (the deleted files are kept until the record is dropped)`);
}

/**
 * The two costs besides the launch, on the small command's own upper layer:
 * its attributes read in-process against one getfattr for the same paths
 * (the process each transaction used to start for it), and how long removing
 * the spent run holds the event loop, synchronously against off it.
 */
/** apt-get install of the bench's .deb into the scratch root `m` (made ready by the caller) and its undo, interleaved with the same install without a transaction. */
async function aptCase(what: string, m: string, target: string, aptRuns = Math.max(3, Math.ceil(runs / 3))): Promise<void> {
  const apt = aptInstallInto(m, `${base}/hello.deb`);
  const purge = () => spawnSync('dpkg', [`--root=${m}`, '-P', 'aios-bench-hello'], { stdio: 'ignore' });
  // Once first, untimed: apt-get builds its package cache in the root on its first run, which no later run does.
  await bare(apt, base);
  purge();
  const ap = { bare: [] as number[], tx: [] as number[], undo: [] as number[] };
  for (let i = 0; i < aptRuns; i++) {
    ap.bare.push(await cpu.measure(`apt plain ${what}`, () => bare(apt, base)));
    purge();
    const t = await cpu.measure(`apt tx ${what}`, () => transaction(apt, [base], base, path.join(m, 'var/lib/dpkg/status')));
    // The whole path was measured: dpkg's status read before and after, the package named in the record.
    if (!t.packages?.added.some((p) => p.startsWith('aios-bench-hello ')))
      throw new Error(`the apt transaction's record names no installed package (${what})`);
    ap.tx.push(t.ms);
    const u0 = performance.now();
    if (t.id) undoRecord(store, t.id);
    ap.undo.push(performance.now() - u0);
  }
  console.log(`apt-get install of a small local .deb (scratch root, ${what}), median of ${aptRuns}`);
  line('plain', ap.bare, median(ap.bare), '', cpu.perRun(`apt plain ${what}`));
  line('transaction', ap.tx, median(ap.bare), target, cpu.perRun(`apt tx ${what}`));
  console.log(`  undo of it    ${median(ap.undo).toFixed(1).padStart(8)} ms`);
}

async function pieces(): Promise<void> {
  const got = {
    inProcess: [] as number[],
    getfattr: [] as number[],
    rmSync: [] as number[],
    rmLater: [] as number[],
    rmLaterDone: [] as number[],
    idle: [] as number[],
  };
  for (let i = 0; i < runs; i++) {
    const p = await beginTransaction(store, { command: SMALL, cwd: tree, env, paths: [tree], network: false, timeoutMs: 120_000 });
    const paths: string[] = [];
    const walk = (upper: string, dir: string, rel: string) => {
      for (const n of fs.readdirSync(path.join(upper, rel))) {
        const r = path.join(rel, n);
        paths.push(path.join(upper, r));
        if (fs.existsSync(path.join(dir, r))) paths.push(path.join(dir, r));
        if (fs.lstatSync(path.join(upper, r)).isDirectory()) walk(upper, dir, r);
      }
    };
    for (const t of p.run.targets) walk(t.upper, t.dir, '');
    let t0 = performance.now();
    readXattrs(paths);
    got.inProcess.push(performance.now() - t0);
    t0 = performance.now();
    spawnSync('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', '-e', 'base64', '--', ...paths], { encoding: 'utf8' });
    got.getfattr.push(performance.now() - t0);
    await new Promise((resolve) => setImmediate(resolve));
    if (i % 2 === 0) {
      t0 = performance.now();
      removeRun(p.run);
      got.rmSync.push(performance.now() - t0);
    } else {
      // The longest the event loop waited while the removal ran (a 1 ms timer's own lateness included).
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      t0 = performance.now();
      await removeRunLater(p.run);
      got.rmLaterDone.push(performance.now() - t0);
      delay.disable();
      got.rmLater.push(delay.max / 1e6);
      // The same, over as long doing nothing: what the machine's load alone makes a timer late by.
      const idle = monitorEventLoopDelay({ resolution: 1 });
      idle.enable();
      await new Promise((resolve) => setTimeout(resolve, got.rmLaterDone.at(-1)));
      idle.disable();
      got.idle.push(idle.max / 1e6);
    }
  }
  console.log(`the small command's other costs, median of ${runs} (removal: half of them each way)`);
  console.log(
    `  attributes  ${median(got.inProcess).toFixed(2).padStart(8)} ms in-process  against ${median(got.getfattr).toFixed(2)} ms for one getfattr (min ${Math.min(...got.getfattr).toFixed(2)})`,
  );
  console.log(
    `  removal     removeRun holds the event loop ${median(got.rmSync).toFixed(1)} ms (max ${Math.max(...got.rmSync).toFixed(1)}); removeRunLater's longest stall ${median(got.rmLater).toFixed(1)} ms (max ${Math.max(...got.rmLater).toFixed(1)}), done in ${median(got.rmLaterDone).toFixed(1)} ms; idle as long, ${median(got.idle).toFixed(1)} ms (max ${Math.max(...got.idle).toFixed(1)})`,
  );
}

/** The small command as a user with passwordless sudo: notify, a transaction through the root helper, the helper's start. */
async function throughSudo(): Promise<void> {
  const repo = path.join(import.meta.dirname, '..');
  const entry = path.join(repo, 'bin', 'aios.mjs');
  if (!fs.existsSync(path.join(repo, 'out', 'main', 'cli.js'))) {
    console.log('through sudo: skipped (the built app is missing: npm run build)');
    return;
  }
  const user = tempUser(true);
  // The root helper's records: root's, in a folder only root writes (it checks).
  const state = fs.mkdtempSync(path.join('/var/tmp', 'aios-bench-txsudo-'));
  try {
    const userTree = treeFor(user);
    const sudoRuns = Math.max(5, Math.ceil(runs / 2));
    const req = {
      tree: userTree,
      stateDir: state,
      runs: sudoRuns,
      helper: [process.execPath, entry, 'transaction-helper'],
      command: SMALL,
    };
    const got = driveAsUser<{ notify: number[]; tx: number[]; start: number[]; cpu: Record<string, number>; helpers: number[] }>(
      user,
      'tx-sudo-driver.mts',
      req,
      600_000,
    );
    console.log(
      `through sudo, as a user with passwordless sudo (${entry}), median of ${sudoRuns} interleaved runs, ${new Set(got.helpers).size} helper process(es) after the first command`,
    );
    line('notify', got.notify, median(got.notify), '', got.cpu.notify);
    line('transaction', got.tx, median(got.notify), ' (target ≤ 50 ms added)', got.cpu.tx);
    console.log(
      `  helper start ${median(got.start).toFixed(1).padStart(8)} ms (min ${Math.min(...got.start).toFixed(1)}; sudo, Node, the app, one list request)  cpu ${got.cpu.start?.toFixed(1)} ms/run`,
    );
  } finally {
    user.remove();
    fs.rmSync(state, { recursive: true, force: true });
  }
}
