import { ulid } from 'ulid';
import type { Preview } from '../../shared/preview';
import type { RunResult } from '../executor/executor';
import type { AnyKeptPreview } from '../preview';
import { TransactionUnavailable } from '../transaction/engine';
import type { TransactionRun, Transactions } from '../transaction/hook';
import type { CommandAction } from './action';
import { askWithTimeout } from './approval';
import type { ApprovalRequest, Approver, Emit } from './types';

export interface TransactionStepContext {
  transactions: Transactions;
  approver: Approver;
  emit: Emit;
  approvalTimeoutMs: number;
  commandTimeoutMs: number;
  /** The rule that decided, shown again if the effect rules ask. */
  rule: string | null;
  /** The person already said yes: the effect rules do not ask again. */
  approved: boolean;
  /** Allowed because it stays in this working tree (auto-allowed): no network, and a write outside it asks. */
  stayIn?: string;
  onOutput: (data: string, stream: 'stdout' | 'stderr') => void;
  /** The approved preview's finished run, handed over: the transaction commits it when it is the same run (hook.ts). */
  preview?: AnyKeptPreview;
}

function nothingRan(why: string, declined = false): TransactionRun {
  const now = new Date();
  const result: RunResult = {
    exitCode: null,
    signal: null,
    durationMs: 0,
    startedAt: now,
    endedAt: now,
    output: why,
    fullOutput: why,
    outputTruncated: false,
    timedOut: false,
    cancelled: false,
    confined: false,
  };
  return { notApplied: why, ...(declined ? { declined } : {}), result };
}

/**
 * The run step as a transaction (see ../transaction): the command runs on an
 * overlay, what it did is judged by the effect rules (a finding asks the
 * person with the diff, unless they approved already), then lands as one
 * step and is kept for /undo. Undefined: no transaction could be made and
 * the person (or an earlier yes) lets it run directly.
 */
export async function runAsTransaction(a: CommandAction, c: TransactionStepContext): Promise<TransactionRun | undefined> {
  const ask = async (reasons: string[], preview?: Preview): Promise<boolean> => {
    const asked: ApprovalRequest = {
      requestId: ulid(),
      callId: a.callId,
      turnId: a.turnId,
      command: a.command,
      cwd: a.cwd,
      decision: 'require_approval',
      rule: c.rule,
      reasons,
      timeoutMs: c.approvalTimeoutMs,
      ...(preview ? { preview } : {}),
    };
    const { answer } = await askWithTimeout(c.approver, asked, a.signal);
    return answer === 'approved' || answer === 'always';
  };
  try {
    const run = await c.transactions.run({
      command: a.command,
      cwd: a.cwd,
      signal: a.signal,
      timeoutMs: c.commandTimeoutMs,
      approved: c.approved,
      onOutput: c.onOutput,
      ...(c.stayIn ? { stayIn: c.stayIn } : {}),
      ...(c.preview ? { preview: c.preview } : {}),
      ask: (findings, preview) =>
        ask(
          ['it ran as a transaction; what it did needs your approval before it lands:', ...findings.map((f) => `${f.rule}: ${f.reason}`)],
          preview,
        ),
    });
    // On the card, under the output it shows: that output is the preview's, and the command did not run again.
    if (run.ranInPreview) c.onOutput('\n[aios] it ran once, in the preview (approved after it): this is its output\n', 'stdout');
    const after = (run.facts?.afterCommit ?? []).map((m) => `\n[aios] ${m}`).join('');
    const once = !run.ranInPreview
      ? ''
      : run.facts
        ? "\n[aios] it ran once, in the preview: the output above is the preview's, and what it did there is what was applied"
        : "\n[aios] it ran once, in the preview: the output above is the preview's";
    const note =
      once +
      (run.facts
        ? `\n[aios] transaction: ${run.facts.summary}${run.facts.recordId ? ' (it can be undone: /undo)' : ''}${after}`
        : run.notApplied
          ? `\n[aios] ${run.notApplied}`
          : '');
    if (note) run.result = { ...run.result, output: run.result.output + note, fullOutput: run.result.fullOutput + note };
    for (const d of run.facts?.dropped ?? [])
      c.emit('chat.notice', { turnId: a.turnId, level: 'info', message: `undo record dropped to stay within [transactions] limits: ${d}` });
    for (const m of run.recovered ?? []) c.emit('chat.notice', { turnId: a.turnId, level: 'warning', message: m });
    for (const m of run.facts?.afterCommit ?? [])
      c.emit('chat.notice', { turnId: a.turnId, callId: a.callId, level: m.endsWith(': exit 0') ? 'info' : 'warning', message: m });
    return run;
  } catch (err) {
    if (err instanceof TransactionUnavailable) {
      // Nothing ran yet. Without a transaction nothing judges what it does: it runs directly only once someone said yes.
      c.emit('chat.notice', {
        turnId: a.turnId,
        callId: a.callId,
        level: 'warning',
        message: `not a transaction: ${err.message}; it would run directly and could not be undone`,
      });
      if (
        c.approved ||
        (await ask([`not a transaction: ${err.message}`, 'it would run directly: what it does is not judged and cannot be undone']))
      )
        return undefined;
      return nothingRan('declined: it could not run as a transaction, and was not run', true);
    }
    // It ran, but what it did could not be read or applied: nothing landed, and it is not run again.
    return nothingRan(`not applied: ${(err as Error).message}`);
  }
}
