import { ulid } from 'ulid';
import type { CommandRecord, EventPayload } from '../../../shared/contract';
import type { Decision } from '../../../shared/policy';
import type { Preview } from '../../../shared/preview';
import type { RunResult } from '../executor/executor';
import type { Executor } from '../executor/executor';
import type { Confinement } from '../executor/sandbox';
import type { HistoryStore } from '../memory/history';
import { askWithTimeout } from './approval';
import { OutputRecorder } from './output-record';
import { decidingRule, type Approver, type CommandPolicy, type Emit } from './types';

/** The abort reason when aios itself stops: a command cut off by it was interrupted, not cancelled by the person. */
export const SHUTDOWN = 'aios-shutdown';
export const INTERRUPTED_BY_SHUTDOWN = 'interrupted: aios stopped while this command was running';

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
  sessionId?: string;
  /** Wall 1: the sandbox for auto-allowed commands in `cwd`, or why there is none (they then run as notify). */
  confine?: (cwd: string) => Confinement | { unavailable: string };
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

  async run(args: {
    command: string;
    cwd: string;
    callId: string;
    turnId: string | null;
    /** The conversation the call belongs to, stored with its record. */
    conversationId?: string;
    signal: AbortSignal;
    /** The AI's stated reason, shown with the command and in the approval. */
    why?: string;
  }): Promise<CommandOutcome> {
    const { command, cwd, callId, turnId, signal } = args;
    const why = args.why?.trim() ? { why: args.why.trim() } : {};
    const policy = await this.o.policy();
    const verdict = policy.decide(command, { cwd, ...(this.o.home ? { home: this.o.home } : {}) });
    let decision = verdict.decision;
    const rule = decidingRule(verdict);
    // The verdict's own reasons quote its segments' ("…: matches rule X"): keep each fact once.
    const reasons = [...verdict.reasons, ...verdict.segments.flatMap((s) => s.reasons)].filter((r, i, all) => all.findIndex((o) => o.includes(r)) === i);
    // The quiet path is quiet only inside the sandbox; without one the person is told, as for notify.
    const jail = decision === 'auto_allow' ? this.o.confine?.(cwd) : undefined;
    let confinement: Confinement | undefined;
    let sandbox: { confined: boolean; detail: string } | undefined;
    if (jail && 'unavailable' in jail) {
      decision = 'notify';
      reasons.push(`auto-allowed, but runs as notify: ${jail.unavailable}`);
      sandbox = { confined: false, detail: `not confined (${jail.unavailable}): runs as notify` };
    } else if (jail) {
      confinement = jail;
      sandbox = { confined: true, detail: `confined: read-only except ${jail.workTree}, private /tmp, no network, only its own processes` };
    }
    const start: CommandRecord['start'] = { callId, turnId, command, cwd, decision, rule, reasons, ...why, ...(sandbox ? { sandbox } : {}) };
    this.o.emit('chat.commandStart', start);
    const recorder = new OutputRecorder();
    const keys = { callId, turnId, conversationId: args.conversationId ?? null };
    // The card's whole story, stored so a restore rebuilds the card the person saw (not the model's copy).
    const structured = (done: CommandRecord['done']): CommandRecord => ({ callId, start, ...recorder.snapshot(), done });

    // Preview (issue 16): before anyone is asked, see what it would change in a throwaway overlay. Never for a denied command.
    const preview = decision === 'deny' ? undefined : ((await this.o.preview?.({ command, cwd, decision, signal })) ?? undefined);
    const refuse = (refusal: string, refusalKind: RefusalKind, historyDecision: string, approver: string | null = null): CommandOutcome => {
      const decidedBy = refusalKind === 'declined' ? 'you' : refusalKind === 'timeout' ? 'timeout' : refusalKind === 'denied' ? 'rules' : undefined;
      const done: CommandRecord['done'] = {
        callId,
        command,
        decision,
        ran: false,
        refusal,
        refusalKind,
        exitCode: null,
        signal: null,
        durationMs: 0,
        timedOut: false,
        cancelled: refusalKind === 'cancelled',
        ...(decidedBy ? { decidedBy } : {}),
      };
      this.record({ command, decision: historyDecision, matchedRule: rule, approver, cwd, outputExcerpt: refusal, ...keys, record: structured(done) });
      this.o.emit('chat.commandDone', done);
      return { command, decision, rule, reasons, ran: false, refusal, ...(preview ? { preview } : {}) };
    };

    if (decision === 'deny') return refuse('denied by the permission policy', 'denied', 'deny');
    let approver = decision === 'notify' ? 'notify' : 'auto';
    if (decision === 'require_approval') {
      const requestId = ulid();
      const { answer, timedOut } = await askWithTimeout(
        this.o.approver,
        { requestId, callId, turnId, command, cwd, decision, rule, reasons, ...why, timeoutMs: this.o.approvalTimeoutMs, ...(preview ? { preview } : {}) },
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
      ...(confinement ? { confinement } : {}),
      onOutput: (data, stream) => {
        recorder.add(stream, data);
        this.o.emit('chat.commandOutput', { callId, stream, data });
      },
    });
    const failure = result.spawnError ?? (result.cancelled && signal.reason === SHUTDOWN ? INTERRUPTED_BY_SHUTDOWN : undefined);
    const done: CommandRecord['done'] = {
      callId,
      command,
      decision,
      ran: result.spawnError === undefined,
      refusal: failure ?? null,
      refusalKind: result.spawnError === undefined ? null : 'failed',
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      cancelled: result.cancelled,
      decidedBy: approver === 'user' ? 'you' : 'rules',
    };
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
      outputExcerpt: result.spawnError ?? (failure ? `${failure}\n${result.fullOutput}` : result.fullOutput),
      ...keys,
      record: structured(done),
    });
    this.o.emit('chat.commandDone', done);
    return { command, decision, rule, reasons, ran: result.spawnError === undefined, refusal: failure ?? null, result, ...(preview ? { preview } : {}) };
  }

  private record(entry: Parameters<HistoryStore['record']>[0]): void {
    if (!this.o.history) return;
    try {
      this.o.history.record({ ...entry, sessionId: this.o.sessionId ?? null });
    } catch (err) {
      this.o.onHistoryError?.(err as Error);
    }
  }
}
