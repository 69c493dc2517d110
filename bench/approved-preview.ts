/**
 * What a person waits for after saying yes to a previewed command that runs
 * as a transaction: from the answer to the command done (committed, with
 * its undo record), when the preview's run is committed (this build) and
 * when the command runs again as a transaction (reuse turned off, the way
 * it was before), interleaved in the same run so load hits both alike. The
 * CPU column is aios and every process it started during that wait.
 *
 *   npx tsx bench/approved-preview.ts [--runs N]     (as root: runc or crun, overlayfs)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PreviewConfigSchema, TransactionsConfigSchema } from '../src/core/config/schema';
import { loadConfig } from '../src/core/config/load';
import { Executor } from '../src/core/executor/executor';
import { Gate } from '../src/core/gate';
import { PolicyEngine } from '../src/core/policy';
import { previewerFor } from '../src/core/preview/previewer';
import { Transactions } from '../src/core/transaction/hook';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' } } });
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

const cpuMs = () => {
  const u = process.cpuUsage();
  const c = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // cutime + cstime (fields 16, 17 of /proc/self/stat): children waited for, in clock ticks (100 Hz).
  const children = (Number(c[13]) + Number(c[14])) * 10;
  return (u.user + u.system) / 1000 + children;
};

async function once(reuse: boolean): Promise<{ wallMs: number; cpuMs: number }> {
  const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [machine], state_dir: path.join(base, 'state') }), {
    env,
    protect: {},
  });
  if (!reuse) tx.reusesPreviews = () => false;
  const file = path.join(base, 'config.toml');
  fs.writeFileSync(file, '[permissions]\nrequire_approval = ["head *", "od *"]\n');
  const policy = await PolicyEngine.create({ config: loadConfig({ file, env: { ...env, XDG_CONFIG_HOME: base, HOME: base } }) });
  let ready: () => void = () => undefined;
  const previewIn = new Promise<void>((resolve) => (ready = resolve));
  let answeredAt = 0;
  let cpuAt = 0;
  const gate = new Gate({
    cwd: '/',
    policy: async () => policy,
    executor: new Executor({ env }),
    approver: {
      approve: async () => {
        await previewIn;
        answeredAt = performance.now();
        cpuAt = cpuMs();
        return 'approved';
      },
      previewReady: () => ready(),
    },
    emit: () => undefined,
    approvalTimeoutMs: 30_000,
    commandTimeoutMs: 30_000,
    transactions: tx,
    preview: previewerFor(PreviewConfigSchema.parse({ paths: [machine] }), env, undefined, undefined, [tx.store.root]),
  });
  const r = await gate.pass({
    kind: 'command',
    command: COMMAND,
    cwd: path.join(machine, 'home/me/project'),
    callId: 'b',
    turnId: null,
    signal: new AbortController().signal,
  });
  const wallMs = performance.now() - answeredAt;
  const cpu = cpuMs() - cpuAt;
  const once = r.result?.output.includes('it ran once, in the preview') ?? false;
  if (!r.ran || once !== reuse) throw new Error(`unexpected run (reuse ${reuse}): ${r.result?.output ?? r.refusal}`);
  // The spent upper layers go after the answer (setImmediate): not in the next run's time.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { wallMs, cpuMs: cpu };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const reused: Array<{ wallMs: number; cpuMs: number }> = [];
const again: Array<{ wallMs: number; cpuMs: number }> = [];
try {
  await once(true);
  await once(false);
  for (let i = 0; i < runs; i++) {
    reused.push(await once(true));
    again.push(await once(false));
  }
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
const load = os.loadavg()[0]?.toFixed(1);
const show = (name: string, xs: typeof reused) =>
  console.log(
    `  ${name.padEnd(34)} wall ${median(xs.map((x) => x.wallMs)).toFixed(1)} ms (min ${Math.min(...xs.map((x) => x.wallMs)).toFixed(1)}), CPU ${median(xs.map((x) => x.cpuMs)).toFixed(1)} ms`,
  );
console.log(
  `approved-preview (node ${process.version}, ${os.cpus().length} cpus, load ${load}), from the yes to done, medians of ${runs}:`,
);
show('the preview committed (this build)', reused);
show('run again as a transaction', again);
console.log(`  ratio (committed / run again): ${(median(reused.map((x) => x.wallMs)) / median(again.map((x) => x.wallMs))).toFixed(2)}`);
