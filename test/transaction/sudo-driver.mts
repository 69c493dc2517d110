/**
 * Runs commands as transactions the way aios's gate does, as whoever starts
 * this script (the sudo tests start it as a temporary user through setpriv),
 * then undoes what they did newest first, and prints what happened as JSON.
 * Not root, the transactions go through the root helper (`sudo -n`).
 */
import { TransactionsConfigSchema } from '../../src/core/config/schema';
import { runAsTransaction } from '../../src/core/gate/transaction-step';
import { Transactions } from '../../src/core/transaction/hook';
import { rootHelperPids } from '../../src/core/transaction/sudo-client';
import type { ApprovalRequest } from '../../src/core/gate';
import type { PolicyResult } from '../../src/shared/policy';
import { cliEntry, tsxBin } from '../support/process';

const req = JSON.parse(process.argv[2] ?? '{}') as {
  cwd: string;
  paths: string[];
  stateDir: string;
  commands: string[];
  /** Undo this many records after the commands, newest first (as /undo does). */
  undo: number;
  /** `[transactions] enabled`; true unless given. */
  enabled?: boolean | 'auto';
};
const env = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: process.env.HOME ?? '/nonexistent', LANG: 'C.UTF-8' };
const tx = new Transactions(TransactionsConfigSchema.parse({ enabled: req.enabled ?? true, paths: req.paths, state_dir: req.stateDir }), {
  env,
  protect: {},
  rootHelper: [process.execPath, tsxBin, cliEntry, 'transaction-helper'],
});
// What the gate would do with a notify command that acts on nothing outside files (a verdict with no segment the
// outside-world table names).
const plan = tx.plan('notify', { segments: [] } as unknown as PolicyResult).kind;
const asked: string[][] = [];
const notices: string[] = [];
const runs = [];
for (const command of req.commands) {
  let live = '';
  const run = await runAsTransaction(
    { kind: 'command', command, cwd: req.cwd, callId: 'c', turnId: null, signal: new AbortController().signal },
    {
      transactions: tx,
      approver: { approve: async (q: ApprovalRequest) => (asked.push(q.reasons), 'denied') },
      emit: (_name, payload) => notices.push((payload as { message?: string }).message ?? ''),
      approvalTimeoutMs: 10_000,
      commandTimeoutMs: 60_000,
      rule: null,
      approved: false,
      onOutput: (d) => (live += d),
    },
  );
  runs.push({
    ran: run !== undefined,
    exitCode: run?.result.exitCode ?? null,
    output: run?.result.output ?? '',
    live,
    recordId: run?.facts?.recordId ?? null,
    summary: run?.facts?.summary ?? null,
    notApplied: run?.notApplied ?? null,
    // Which root helper served it (the same one for every command of this aios).
    helpers: rootHelperPids(),
  });
}
const undone = [];
for (let i = 0; i < req.undo; i++) undone.push(tx.undo({}));
console.log(JSON.stringify({ plan, runs, asked, notices, undone: undone.map((u) => ({ ok: u.ok, message: u.message })) }));
process.exit(0);
