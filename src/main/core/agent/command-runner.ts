import { ulid } from 'ulid';
import type { CommandRecord, EventPayload } from '../../../shared/contract';
import type { Decision } from '../../../shared/policy';
import type { Preview } from '../../../shared/preview';
import type { RunResult } from '../executor/executor';
import type { Executor } from '../executor/executor';
import type { Confinement } from '../executor/sandbox';
import type { HistoryStore } from '../memory/history';
import { TransactionUnavailable } from '../transaction/engine';
import { historyEffects, type Transactions, type TransactionRun } from '../transaction/hook';
import { askWithTimeout } from './approval';
import { OutputRecorder } from './output-record';
import { decidingRule, type ApprovalRequest, type Approver, type CommandPolicy, type Emit } from './types';

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
  /** No rule named it, so it ran in the quiet jail instead of asking; `jailFailure` says how the jail seems to have stopped it. */
  confinedUnknown?: { jailFailure?: string };
}

/** Output that says the jail, not the command, failed: a write outside the working tree, the network. */
const JAIL_FAILURE: ReadonlyArray<[RegExp, string]> = [
  [/read-only file system/i, 'a write outside the working tree was refused (read-only file system)'],
  [/network is unreachable|could not resolve host|temporary failure in name resolution|name or service not known/i, 'the network is not reachable from the jail'],
  [/permission denied/i, 'the jail refused access (permission denied)'],
];

/**
 * Starts a preview for decisions in its scope; null (at once, not a promise)
 * when there is none (preview off, or not for this decision), so the question
 * knows at once whether a preview will follow.
 */
export type Previewer = (req: { command: string; cwd: string; decision: Decision; signal: AbortSignal }) => Promise<Preview | null> | null;

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
  /** The person's config.toml, where an "always allow" rule would be written. */
  rulesFile?: string;
  /** Writes an "always allow" rule the person chose; throws when it cannot. */
  remember?: (rule: NonNullable<ApprovalRequest['remember']>) => void;
  /** `[transactions]`: commands that may change files run on an overlay, judged by what they did, and can be undone. */
  transactions?: Transactions;
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
    /** Run again outside the jail a command that failed confined: it is then asked about as usual. */
    unconfined?: boolean;
  }): Promise<CommandOutcome> {
    const { command, cwd, callId, turnId, signal } = args;
    const why = args.why?.trim() ? { why: args.why.trim() } : {};
    const policy = await this.o.policy();
    const verdict = policy.decide(command, { cwd, ...(this.o.home ? { home: this.o.home } : {}) });
    let decision = verdict.decision;
    const rule = decidingRule(verdict);
    // The verdict's own reasons quote its segments' ("…: matches rule X"): keep each fact once.
    const reasons = [...verdict.reasons, ...verdict.segments.flatMap((s) => s.reasons)].filter((r, i, all) => all.findIndex((o) => o.includes(r)) === i);
    // No rule names it and it is none of the dangerous shapes: it runs confined instead of asking, when a jail is there.
    const unknownJail = decision === 'require_approval' && verdict.confinable === true && !args.unconfined ? this.o.confine?.(cwd) : undefined;
    const confinedUnknown = unknownJail !== undefined && !('unavailable' in unknownJail);
    if (confinedUnknown) {
      decision = 'auto_allow';
      reasons.push('no rule covers it, so it runs confined (read-only except this folder) instead of asking');
    }
    // The quiet path is quiet only inside the sandbox; without one the person is told, as for notify.
    const jail = confinedUnknown ? unknownJail : decision === 'auto_allow' ? this.o.confine?.(cwd) : undefined;
    let confinement: Confinement | undefined;
    let sandbox: { confined: boolean; detail: string } | undefined;
    if (jail && 'unavailable' in jail) {
      decision = 'notify';
      reasons.push(`auto-allowed, but runs as notify: ${jail.unavailable}`);
      sandbox = { confined: false, detail: `not confined (${jail.unavailable}): runs as notify` };
    } else if (jail) {
      confinement = jail;
      sandbox = {
        confined: true,
        detail: confinedUnknown
          ? `confined because no rule covers it: read-only except ${jail.workTree}, private /tmp, no network; if the jail stops it, it can run again unconfined after you approve`
          : `confined: read-only except ${jail.workTree}, private /tmp, no network, only its own processes`,
      };
    }
    // What acts outside the filesystem cannot be undone: the question and the card say so.
    const txPlan = this.o.transactions?.plan(decision, verdict);
    if (txPlan?.kind === 'outside') reasons.push(...txPlan.reasons.map((r) => `cannot be undone: ${r}`));
    const start: CommandRecord['start'] = { callId, turnId, command, cwd, decision, rule, reasons, ...why, ...(sandbox ? { sandbox } : {}) };
    this.o.emit('chat.commandStart', start);
    const recorder = new OutputRecorder();
    const keys = { callId, turnId, conversationId: args.conversationId ?? null };
    // Write-ahead: the row exists (running) before anything is asked or run, so a crash leaves a trace.
    const rowId = this.begin({ command, decision, matchedRule: rule, approver: null, cwd, ...keys, record: { callId, start, output: [], omittedChars: 0 } });
    // The card's whole story, stored so a restore rebuilds the card the person saw (not the model's copy).
    const structured = (done: CommandRecord['done']): CommandRecord => ({ callId, start, ...recorder.snapshot(), done });

    // Preview: see what it would change in a throwaway overlay. Never for a denied command. A question
    // does not wait for it: it is asked at once and the preview fills in; an answer first abandons it.
    const previewAbort = new AbortController();
    const abandonPreview = () => previewAbort.abort();
    signal.addEventListener('abort', abandonPreview, { once: true });
    const previewRun = decision === 'deny' ? null : (this.o.preview?.({ command, cwd, decision, signal: previewAbort.signal }) ?? null);
    let preview: Preview | undefined;
    if (previewRun && decision !== 'require_approval') preview = (await previewRun.catch(() => null)) ?? undefined;
    const refuse = (refusal: string, refusalKind: RefusalKind, historyDecision: string, approver: string | null = null): CommandOutcome => {
      signal.removeEventListener('abort', abandonPreview);
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
      this.record(rowId, { command, decision: historyDecision, matchedRule: rule, approver, cwd, outputExcerpt: refusal, ...keys, record: structured(done) });
      this.o.emit('chat.commandDone', done);
      return { command, decision, rule, reasons, ran: false, refusal, ...(preview ? { preview } : {}) };
    };

    if (decision === 'deny') return refuse('denied by the permission policy', 'denied', 'deny');
    let approver = decision === 'notify' ? 'notify' : 'auto';
    if (decision === 'require_approval') {
      const requestId = ulid();
      let answered = false;
      void previewRun?.then(
        (ready) => {
          if (!ready || answered) return;
          preview = ready;
          this.o.approver.previewReady?.(requestId, ready);
        },
        () => undefined,
      );
      const asked: ApprovalRequest = {
        requestId, callId, turnId, command, cwd, decision, rule, reasons, ...why, timeoutMs: this.o.approvalTimeoutMs,
        ...(previewRun ? { previewPending: true } : {}),
        ...(verdict.remember && this.o.rulesFile && this.o.remember ? { remember: { ...verdict.remember, file: this.o.rulesFile } } : {}),
      };
      const { answer, timedOut } = await askWithTimeout(this.o.approver, asked, signal);
      answered = true;
      if (previewRun && !preview) {
        // Answered before the preview ended: stop it, and wait until its processes are gone before anything runs.
        abandonPreview();
        await previewRun.catch(() => null);
      }
      if (typeof answer === 'object') {
        // The person edited it: this command does not run; the edited one is judged from the start, on a card of its own.
        refuse(`replaced by your edit: ${answer.edited}`, 'declined', 'declined');
        return this.run({ ...args, command: answer.edited, callId: `${callId}-edited` });
      }
      if (answer === 'always' && asked.remember) {
        try {
          this.o.remember?.(asked.remember);
        } catch (err) {
          this.o.emit('chat.notice', { turnId, level: 'warning', message: `could not remember the rule: ${(err as Error).message}; the command still runs this once` });
        }
      }
      if (answer !== 'approved' && answer !== 'always') {
        if (timedOut) {
          this.o.emit('chat.notice', { turnId, callId, level: 'warning', message: `no answer within ${Math.round(this.o.approvalTimeoutMs / 1000)} s: not running ${command}` });
        }
        if (signal.aborted) return refuse('cancelled before it ran', 'cancelled', 'declined');
        if (timedOut) return refuse('no approval within the approval timeout', 'timeout', 'declined');
        return refuse('declined by the person', 'declined', 'declined');
      }
      approver = 'user';
    }
    signal.removeEventListener('abort', abandonPreview);
    if (signal.aborted) return refuse('cancelled before it ran', 'cancelled', 'declined');
    if (decision === 'notify') this.o.emit('chat.notice', { turnId, callId, level: 'info', message: `running (notify${rule ? `, ${rule}` : ''}): ${command}` });

    this.o.emit('chat.commandRunning', { callId });
    if (rowId && this.o.history) {
      // A crash from here on: the command did run (or start to).
      const running = { callId, start, output: [], omittedChars: 0, running: true };
      this.write(() => this.o.history!.updateRecord(rowId, running));
    }
    const onOutput = (data: string, stream: 'stdout' | 'stderr') => {
      recorder.add(stream, data);
      this.o.emit('chat.commandOutput', { callId, stream, data });
    };
    const tx = txPlan?.kind === 'transaction' ? await this.transaction({ command, cwd, callId, turnId, rule, signal, approved: approver === 'user', ...(decision === 'auto_allow' ? { stayIn: confinement?.workTree ?? cwd } : {}), onOutput }) : undefined;
    const result = tx?.result ?? (await this.o.executor.run({ command, cwd, timeoutMs: this.o.commandTimeoutMs, signal, ...(confinement ? { confinement } : {}), onOutput }));
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
      ...(tx?.facts ? { undo: { recordId: tx.facts.recordId, summary: tx.facts.summary } } : {}),
      ...(tx?.notApplied ? { notApplied: tx.notApplied } : {}),
      ...(txPlan?.kind === 'outside' ? { cannotUndo: txPlan.reasons } : {}),
    };
    this.record(rowId, {
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
    if (rowId && tx?.facts) this.write(() => this.o.history?.setEffects(rowId, historyEffects(tx.facts!)));
    this.o.emit('chat.commandDone', done);
    const jailFailure = confinedUnknown && result.exitCode !== 0 ? JAIL_FAILURE.find(([re]) => re.test(result.fullOutput))?.[1] : undefined;
    if (jailFailure) {
      this.o.emit('chat.notice', { turnId, level: 'info', message: `${command} ran confined and failed: ${jailFailure}. It can run again unconfined; that asks you first.` });
    }
    const unknownNote = confinedUnknown ? { confinedUnknown: jailFailure ? { jailFailure } : {} } : {};
    return { command, decision, rule, reasons, ran: result.spawnError === undefined, refusal: failure ?? null, result, ...(preview ? { preview } : {}), ...unknownNote };
  }

  /**
   * The command as a transaction (see ../transaction): a finding of the effect rules asks the person with the diff,
   * unless they approved it already. When no transaction can be made, it runs as before, and the card says it cannot be undone.
   */
  private async transaction(a: { command: string; cwd: string; callId: string; turnId: string | null; rule: string | null; signal: AbortSignal; approved: boolean; stayIn?: string; onOutput: (data: string, stream: 'stdout' | 'stderr') => void }): Promise<TransactionRun | undefined> {
    const ask = async (reasons: string[], preview?: Preview) => {
      const asked: ApprovalRequest = { requestId: ulid(), callId: a.callId, turnId: a.turnId, command: a.command, cwd: a.cwd, decision: 'require_approval', rule: a.rule, reasons, timeoutMs: this.o.approvalTimeoutMs, ...(preview ? { preview } : {}) };
      const { answer } = await askWithTimeout(this.o.approver, asked, a.signal);
      return answer === 'approved' || answer === 'always';
    };
    const now = () => new Date();
    const nothing = (why: string, declined = false): TransactionRun => ({ notApplied: why, ...(declined ? { declined } : {}), result: { exitCode: null, signal: null, durationMs: 0, startedAt: now(), endedAt: now(), output: why, fullOutput: why, outputTruncated: false, timedOut: false, cancelled: false, confined: false } });
    try {
      const run = await this.o.transactions!.run({
        command: a.command, cwd: a.cwd, signal: a.signal, timeoutMs: this.o.commandTimeoutMs, approved: a.approved, onOutput: a.onOutput, ...(a.stayIn ? { stayIn: a.stayIn } : {}),
        ask: (findings, preview) => ask(['it ran as a transaction; what it did needs your approval before it lands:', ...findings.map((f) => `${f.rule}: ${f.reason}`)], preview),
      });
      const note = run.facts ? `\n[aios] transaction: ${run.facts.summary}${run.facts.recordId ? ' (it can be undone: /undo)' : ''}` : run.notApplied ? `\n[aios] ${run.notApplied}` : '';
      if (note) run.result = { ...run.result, output: run.result.output + note, fullOutput: run.result.fullOutput + note };
      for (const d of run.facts?.dropped ?? []) this.o.emit('chat.notice', { turnId: a.turnId, level: 'info', message: `undo record dropped to stay within [transactions] limits: ${d}` });
      for (const m of run.recovered ?? []) this.o.emit('chat.notice', { turnId: a.turnId, level: 'warning', message: m });
      for (const m of run.facts?.afterCommit ?? []) this.o.emit('chat.notice', { turnId: a.turnId, callId: a.callId, level: 'warning', message: m });
      return run;
    } catch (err) {
      if (err instanceof TransactionUnavailable) {
        // Nothing ran yet. Without a transaction nothing judges what it does: it runs directly only once someone said yes.
        this.o.emit('chat.notice', { turnId: a.turnId, callId: a.callId, level: 'warning', message: `not a transaction: ${err.message}; it would run directly and could not be undone` });
        if (a.approved || (await ask([`not a transaction: ${err.message}`, 'it would run directly: what it does is not judged and cannot be undone']))) return undefined;
        return nothing('declined: it could not run as a transaction, and was not run', true);
      }
      // It ran, but what it did could not be read or applied: nothing landed, and it is not run again.
      return nothing(`not applied: ${(err as Error).message}`);
    }
  }

  private begin(entry: Parameters<HistoryStore['record']>[0]): string | undefined {
    return this.write(() => this.o.history?.begin({ ...entry, sessionId: this.o.sessionId ?? null }));
  }

  /** Completes the row `begin` wrote (or, when that failed, writes a whole one). */
  private record(rowId: string | undefined, entry: Parameters<HistoryStore['record']>[0]): void {
    const full = { ...entry, sessionId: this.o.sessionId ?? null };
    this.write(() => (rowId && this.o.history?.finish(rowId, full)) || this.o.history?.record(full));
  }

  private write<T>(fn: () => T): T | undefined {
    if (!this.o.history) return undefined;
    try {
      return fn();
    } catch (err) {
      this.o.onHistoryError?.(err as Error);
      return undefined;
    }
  }
}
