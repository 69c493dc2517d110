/**
 * One approved command through aios's gate, as whoever starts this script
 * (the tests start it as a temporary user with passwordless sudo, through
 * setpriv): the preview, the question (answered yes once the preview is in,
 * after `meanwhile`), and the transaction, through the root helper. Prints
 * what the preview showed and what the transaction did, as JSON on the last
 * line. With `hang`, it never answers: it prints the kept preview's id and
 * its helper's pid, and waits to be killed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PreviewConfigSchema, TransactionsConfigSchema } from '../../src/core/config/schema';
import { loadConfig } from '../../src/core/config/load';
import { Executor } from '../../src/core/executor/executor';
import { Gate } from '../../src/core/gate';
import { PolicyEngine } from '../../src/core/policy';
import { previewerFor } from '../../src/core/preview/previewer';
import { Transactions, type TransactionRun } from '../../src/core/transaction/hook';
import { rootHelperPids } from '../../src/core/transaction/sudo-client';
import type { Preview } from '../../src/shared/preview';
import { cliEntry, tsxBin } from '../support/process';

const req = JSON.parse(process.argv[2] ?? '{}') as {
  cwd: string;
  paths: string[];
  stateDir: string;
  command: string;
  /** While the question is open: append to this file, or try to write into the kept preview's folders (named by `sudo find`). */
  meanwhile?: { append?: string; tamper?: boolean };
  hang?: boolean;
  /** The preview's `[preview] paths`, when they are to differ from the transaction's. */
  previewPaths?: string[];
  /** Answer no once the preview is in (then wait, up to 20 s, for the helper to remove the kept preview, this aios still up). */
  decline?: boolean;
  /** Commit a preview by this id without previewing (one a killed aios's helper kept). */
  staleId?: string;
};
const env = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: process.env.HOME ?? '/nonexistent', LANG: 'C.UTF-8' };
const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: req.paths, state_dir: req.stateDir }), {
  env,
  protect: {},
  rootHelper: [process.execPath, tsxBin, cliEntry, 'transaction-helper'],
});
const runs: TransactionRun[] = [];
const run = tx.run.bind(tx);
tx.run = async (r) => {
  const out = await run(staleId(r));
  runs.push(out);
  return out;
};
/** The stale id handed over as if this aios had kept it. */
function staleId(r: Parameters<Transactions['run']>[0]): Parameters<Transactions['run']>[0] {
  if (!req.staleId) return r;
  return { ...r, preview: { held: true, id: req.staleId, command: r.command, cwd: r.cwd, discard: async () => undefined } };
}
const heldIds: string[] = [];
// (Checked so that the same driver shows what a build without it does.)
const via = tx.previewViaHelper?.bind(tx);
if (via)
  tx.previewViaHelper = () => {
    const f = via();
    return (
      f &&
      (async (r, s) => {
        const out = await f(r, s);
        if (out.held) heldIds.push(out.held.id);
        return out;
      })
    );
  };

const home = env.HOME;
const file = path.join(home, 'config.toml');
fs.writeFileSync(file, '[permissions]\nrequire_approval = ["head *", "od *", "echo *", "v=*", "sudo *", "tee *"]\n');
const config = loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: home } });
const policy = await PolicyEngine.create({ config });
const previews: Preview[] = [];
const tamper: Array<{ path: string; error: string | null }> = [];
let keptDirs: string[] = [];
let keptFs: string[] = [];
let ready: () => void = () => undefined;
const got = new Promise<void>((resolve) => (ready = resolve));
const gate = new Gate({
  cwd: req.cwd,
  policy: async () => policy,
  executor: new Executor({ env }),
  approver: {
    approve: async () => {
      await Promise.race([got, new Promise((resolve) => setTimeout(resolve, 60_000))]);
      // The kept preview's folders, as root sees them (the user learns the names, say): the user then tries to write there.
      const { spawnSync } = await import('node:child_process');
      // The root helper's folder, and this aios's own previews (where one made through sudo here would be).
      const found = spawnSync('sudo', ['-n', 'find', '/run/aios/previews', '/dev/shm', '-maxdepth', '3', '-path', '*aios-preview-*/up/*'], {
        encoding: 'utf8',
      });
      const mine = (d: string) => d.startsWith('/run/aios/previews/') || d.startsWith(`/dev/shm/aios-preview-${process.pid}-`);
      keptDirs = found.stdout.split('\n').filter((d) => d && mine(d));
      // What each kept run's folder is on: a tmpfs (of the memory limit's size where /run is on disk), never the disk.
      const runDirs = [...new Set(keptDirs.map((d) => path.dirname(path.dirname(d))))];
      if (runDirs.length > 0)
        keptFs = spawnSync('sudo', ['-n', 'stat', '-f', '-c', '%T', '--', ...runDirs], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n');
      if (req.hang) {
        fs.writeSync(1, `${JSON.stringify({ pid: process.pid, held: heldIds, helpers: rootHelperPids(), keptDirs })}\n`);
        await new Promise(() => undefined);
      }
      if (req.meanwhile?.append) fs.appendFileSync(req.meanwhile.append, 'edited meanwhile\n');
      if (req.meanwhile?.tamper)
        for (const d of keptDirs) {
          const p = path.join(d, 'planted');
          try {
            fs.writeFileSync(p, 'planted by the user\n');
            tamper.push({ path: p, error: null });
          } catch (err) {
            tamper.push({ path: p, error: (err as NodeJS.ErrnoException).code ?? String(err) });
          }
        }
      return req.decline ? 'denied' : 'approved';
    },
    previewReady: (_id, p) => {
      previews.push(p);
      ready();
    },
  },
  emit: () => undefined,
  approvalTimeoutMs: 120_000,
  commandTimeoutMs: 60_000,
  transactions: tx,
  preview: previewerFor(PreviewConfigSchema.parse({ paths: req.previewPaths ?? req.paths, time_limit_s: 30 }), env, undefined, undefined, [
    tx.store.root,
  ]),
});
const r = await gate.pass({
  kind: 'command',
  command: req.command,
  cwd: req.cwd,
  callId: 'c',
  turnId: null,
  signal: new AbortController().signal,
});
const t = runs[0];
// Declined: the helper was asked to drop the kept preview; seen from here, while this aios (and so its helper) still runs.
let droppedWhileUp: boolean | null = null;
if (req.decline && keptDirs.length > 0) {
  const { spawnSync } = await import('node:child_process');
  const end = Date.now() + 20_000;
  const left = () => spawnSync('sudo', ['-n', 'ls', '-d', '--', ...keptDirs], { encoding: 'utf8' }).stdout.trim();
  while (left() !== '' && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
  droppedWhileUp = left() === '' && rootHelperPids().length === 1;
}
console.log(
  JSON.stringify({
    previews: previews.map((p) => ({
      ran: p.ran,
      limits: p.limits,
      diffs: p.changes.map((c) => ({ path: c.path, diff: c.diff ?? null })),
    })),
    held: heldIds,
    keptDirs,
    keptFs,
    tamper,
    ran: r.ran,
    output: r.result?.output ?? '',
    run: t
      ? {
          ranInPreview: !!t.ranInPreview,
          previewNotReused: t.previewNotReused ?? null,
          notApplied: t.notApplied ?? null,
          recordId: t.facts?.recordId ?? null,
        }
      : null,
    helpers: rootHelperPids(),
    droppedWhileUp,
  }),
);
process.exit(0);
