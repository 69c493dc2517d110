import { ulid } from 'ulid';
import type { EventPayload } from '../../../shared/contract';
import type { Decision } from '../../../shared/policy';
import type { Preview } from '../../../shared/preview';
import type { RunResult } from '../executor/executor';
import type { Executor } from '../executor/executor';
import type { HistoryStore } from '../memory/history';
import { askWithTimeout } from './approval';
import { decidingRule, type Approver, type CommandPolicy, type Emit } from './types';

export interface CommandOutcome {
  command: string;
  decision: Decision;
  rule: string | null;
  reasons: string[];
  ran: boolean;
  /** Why it did not run. */
  refusal: string | null;
  result?: RunResult;
  /** What a preview saw it would change (issue 16), when one ran. */
  preview?: Preview;
}

/** Runs a preview for decisions in its scope, or answers null (preview off, or not for this decision). */
export type Previewer = (req: { command: string; cwd: string; decision: Decision; signal: AbortSignal }) => Promise<Preview | null>;

export interface CommandRunnerOptions {
  policy: () => Promise<CommandPolicy>;
  executor: Executor;
  approver: Approver;
  history?: HistoryStore;
  emit: Emit;
  approvalTimeoutMs: number;
  commandTimeoutMs: number;
  home?: string;
  machine?: string;
  sessionId?: string;
  preview?: Previewer;
  /** Failures to write history must not stop a command; they are reported here. */
  onHistoryError?: (err: Error) => void;
}

/**
 * One command through policy → (approval) → executor → history. Shared by
 * the model's run_command and the person's `!cmd`, so both obey the same
 * policy and leave the same trail.
 */
type RefusalKind = NonNullable<EventPayload<'chat.commandDone'>['refusalKind']>;

export class CommandRunner {
  constructor(private readonly o: CommandRunnerOptions) {}

  async run(args: { command: string; cwd: string; callId: string; turnId: string | null; signal: AbortSignal; onDecided?: (o: Pick<CommandOutcome, 'decision' | 'rule' | 'reasons'>) => void }): Promise<CommandOutcome> {
    const { command, cwd, callId, turnId, signal } = args;
    const policy = await this.o.policy();
    const verdict = policy.decide(command, { cwd, ...(this.o.home ? { home: this.o.home } : {}) });
    const decision = verdict.decision;
    const rule = decidingRule(verdict);
    // The verdict's own reasons quote its segments' ("…: matches rule X"): keep each fact once.
    const reasons = [...verdict.reasons, ...verdict.segments.flatMap((s) => s.reasons)].filter((r, i, all) => all.findIndex((o) => o.includes(r)) === i);
    args.onDecided?.({ decision, rule, reasons });
    this.o.emit('chat.commandStart', { callId, turnId, command, cwd, decision, rule, reasons });

    // Preview (issue 16): before anyone is asked, see what it would change in a throwaway overlay. Never for a denied command.
    const preview = decision === 'deny' ? undefined : ((await this.o.preview?.({ command, cwd, decision, signal })) ?? undefined);
    const refuse = (refusal: string, refusalKind: RefusalKind, historyDecision: string, approver: string | null = null): CommandOutcome => {
      this.record({ command, decision: historyDecision, matchedRule: rule, approver, cwd, outputExcerpt: refusal });
      this.o.emit('chat.commandDone', { callId, command, decision, ran: false, refusal, refusalKind, exitCode: null, signal: null, durationMs: 0, timedOut: false, cancelled: refusalKind === 'cancelled' });
      return { command, decision, rule, reasons, ran: false, refusal, ...(preview ? { preview } : {}) };
    };

    if (decision === 'deny') return refuse('denied by the permission policy', 'denied', 'deny');
    let approver = decision === 'notify' ? 'notify' : 'auto';
    if (decision === 'require_approval') {
      const requestId = ulid();
      const { answer, timedOut } = await askWithTimeout(
        this.o.approver,
        { requestId, callId, turnId, command, cwd, decision, rule, reasons, timeoutMs: this.o.approvalTimeoutMs, ...(preview ? { preview } : {}) },
        signal,
      );
      if (answer !== 'approved') {
        if (timedOut) {
          this.o.emit('chat.notice', { turnId, level: 'warning', message: `no answer within ${Math.round(this.o.approvalTimeoutMs / 1000)} s: not running ${command}` });
        }
        if (signal.aborted) return refuse('cancelled before it ran', 'cancelled', 'declined');
        if (timedOut) return refuse('no approval within the approval timeout', 'timeout', 'declined');
        return refuse('declined by the person', 'declined', 'declined');
      }
      approver = 'user';
    }
    if (signal.aborted) return refuse('cancelled before it ran', 'cancelled', 'declined');
    if (decision === 'notify') this.o.emit('chat.notice', { turnId, level: 'info', message: `running (notify${rule ? `, ${rule}` : ''}): ${command}` });

    this.o.emit('chat.commandRunning', { callId });
    const result = await this.o.executor.run({
      command,
      cwd,
      timeoutMs: this.o.commandTimeoutMs,
      signal,
      onOutput: (data, stream) => this.o.emit('chat.commandOutput', { callId, stream, data }),
    });
    this.record({
      command,
      decision,
      matchedRule: rule,
      approver,
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      startedAt: result.startedAt,
      endedAt: result.endedAt,
      cwd,
      outputExcerpt: result.spawnError ?? result.fullOutput,
    });
    this.o.emit('chat.commandDone', {
      callId,
      command,
      decision,
      ran: result.spawnError === undefined,
      refusal: result.spawnError ?? null,
      refusalKind: result.spawnError === undefined ? null : 'failed',
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      cancelled: result.cancelled,
    });
    return { command, decision, rule, reasons, ran: result.spawnError === undefined, refusal: result.spawnError ?? null, result, ...(preview ? { preview } : {}) };
  }

  private record(entry: Parameters<HistoryStore['record']>[0]): void {
    if (!this.o.history) return;
    try {
      this.o.history.record({ ...entry, ...(this.o.machine ? { machine: this.o.machine } : {}), sessionId: this.o.sessionId ?? null });
    } catch (err) {
      this.o.onHistoryError?.(err as Error);
    }
  }
}
