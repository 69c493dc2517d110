import fs from 'node:fs';
import path from 'node:path';
import { PreviewConfigSchema, TransactionsConfigSchema } from '../../src/core/config/schema';
import { loadConfig } from '../../src/core/config/load';
import { Executor } from '../../src/core/executor/executor';
import { Gate } from '../../src/core/gate';
import { PolicyEngine } from '../../src/core/policy';
import { previewerFor } from '../../src/core/preview/previewer';
import { Transactions } from '../../src/core/transaction/hook';
import { cpuMs } from './cpu';

/**
 * One approved command through the gate, timed from the person's yes (given
 * once the preview is in) to the command done (committed, with its undo
 * record): with the preview committed (`reuse`), or run again as a
 * transaction (reuse turned off, the way it was before); and from the
 * command to its preview shown (`previewMs`). As root, or as a
 * user with passwordless sudo through the root helper (`rootHelper`).
 */
export async function approvedOnce(o: {
  reuse: boolean;
  base: string;
  machine: string;
  cwd: string;
  command: string;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  rootHelper?: string[];
}): Promise<{ wallMs: number; cpuMs: number; previewMs: number }> {
  const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: true, paths: [o.machine], state_dir: o.stateDir }), {
    env: o.env,
    protect: {},
    ...(o.rootHelper ? { rootHelper: o.rootHelper } : {}),
  });
  if (!o.reuse) tx.reusesPreviews = () => false;
  const file = path.join(o.base, 'config.toml');
  fs.writeFileSync(file, '[permissions]\nrequire_approval = ["head *", "od *", "sudo *", "tee *"]\n');
  const policy = await PolicyEngine.create({ config: loadConfig({ file, env: { ...o.env, XDG_CONFIG_HOME: o.base, HOME: o.base } }) });
  let ready: () => void = () => undefined;
  const previewIn = new Promise<void>((resolve) => (ready = resolve));
  let answeredAt = 0;
  let cpuAt = 0;
  let previewAt = 0;
  const gate = new Gate({
    cwd: '/',
    policy: async () => policy,
    executor: new Executor({ env: o.env }),
    approver: {
      approve: async () => {
        await previewIn;
        answeredAt = performance.now();
        cpuAt = cpuMs();
        return 'approved';
      },
      previewReady: () => {
        previewAt = performance.now();
        ready();
      },
    },
    emit: () => undefined,
    approvalTimeoutMs: 30_000,
    commandTimeoutMs: 30_000,
    transactions: tx,
    preview: previewerFor(PreviewConfigSchema.parse({ paths: [o.machine] }), o.env, undefined, undefined, [tx.store.root]),
  });
  const t0 = performance.now();
  const r = await gate.pass({
    kind: 'command',
    command: o.command,
    cwd: o.cwd,
    callId: 'b',
    turnId: null,
    signal: new AbortController().signal,
  });
  const wallMs = performance.now() - answeredAt;
  const cpu = cpuMs() - cpuAt;
  const once = r.result?.output.includes('it ran once, in the preview') ?? false;
  if (!r.ran || once !== o.reuse) throw new Error(`unexpected run (reuse ${o.reuse}): ${r.result?.output ?? r.refusal}`);
  // The spent upper layers go after the answer (off the event loop): not in the next run's time.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { wallMs, cpuMs: cpu, previewMs: previewAt - t0 };
}
