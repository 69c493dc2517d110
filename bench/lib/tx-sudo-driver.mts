/**
 * The transaction bench's sudo part, run as a user with passwordless sudo
 * (the bench starts it through setpriv): the same small command as a notify
 * command (the lifeline through `sudo -n`) and as a transaction through the
 * root helper (`sudo -n aios transaction-helper`, started for the first and
 * kept for the next), interleaved; and the helper's start alone (a `list`
 * request, a helper of its own). Prints the times as JSON.
 */
import { spawn } from 'node:child_process';
import { approvedLaunch } from '../../src/core/jail';
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { Transactions } from '../../src/core/transaction/hook';
import { listThroughSudo, rootHelperPids } from '../../src/core/transaction/sudo-client';
import { CpuTally, processCpuMs } from './cpu';

const req = JSON.parse(process.argv[2] ?? '{}') as { tree: string; stateDir: string; runs: number; helper: string[]; command: string };
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: process.env.HOME ?? '/nonexistent', LANG: 'C' };
const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [req.tree], state_dir: req.stateDir }), {
  env,
  protect: {},
  rootHelper: req.helper,
});
const cpu = new CpuTally();
// The helper answers before it exits: its CPU is counted when sudo reaps it, so each tally waits for that.
const SETTLE_MS = 300;

function bare(): Promise<number> {
  return new Promise((resolve, reject) => {
    const a = approvedLaunch('/bin/sh', req.command, env);
    const t0 = performance.now();
    const child = spawn(a.file, a.args, { cwd: req.tree, env: a.env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`exited ${code}`))));
  });
}

async function transaction(): Promise<number> {
  const t0 = performance.now();
  const run = await tx.run({
    command: req.command,
    cwd: req.tree,
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    approved: false,
    ask: async () => false,
    onOutput: () => undefined,
  });
  const ms = performance.now() - t0;
  if (run.result.exitCode !== 0 || !run.facts?.recordId)
    throw new Error(`the transaction did not land: ${JSON.stringify(run).slice(0, 500)}`);
  return ms;
}

const out = {
  notify: [] as number[],
  tx: [] as number[],
  start: [] as number[],
  cpu: {} as Record<string, number>,
  helpers: [] as number[],
};
await transaction();
// The helper stays between commands (it is not waited for, so not counted as a child): its own CPU, read from /proc.
const helper = rootHelperPids()[0];
let helperCpu = 0;
for (let i = 0; i < req.runs; i++) {
  out.notify.push(await cpu.measure('notify', bare, SETTLE_MS));
  const h0 = helper ? processCpuMs(helper) : 0;
  out.tx.push(await cpu.measure('tx', transaction, SETTLE_MS));
  helperCpu += helper ? processCpuMs(helper) - h0 : 0;
  out.helpers.push(...rootHelperPids());
  out.start.push(
    await cpu.measure(
      'start',
      async () => {
        const t0 = performance.now();
        const r = listThroughSudo(req.helper, req.stateDir);
        if (!r.ok) throw new Error(r.why);
        return performance.now() - t0;
      },
      SETTLE_MS,
    ),
  );
}
for (const k of ['notify', 'tx', 'start']) out.cpu[k] = cpu.perRun(k);
out.cpu.tx = (out.cpu.tx ?? 0) + helperCpu / req.runs;
console.log(JSON.stringify(out));
process.exit(0);
