import { ulid } from 'ulid';
import type { ApprovalRequest } from '../../shared/contract';
import type { Executor } from '../executor/executor';
import type { CommandLog } from '../memory/history';
import type { Action, CommandAction, CommandOutcome, ToolAction, ToolOutcome } from './action';
import { ActionLog } from './action-log';
import { askWithTimeout } from './approval';
import { judgeCommand, judgeTool, type Judgement } from './judge';
import type { Previewer } from '../preview/previewer';
import { PreviewStep } from './preview-step';
import type { QuietJail } from './quiet-jail';
import type { TransactionPlan, Transactions } from '../transaction/hook';
import { runAsTransaction } from './transaction-step';
import { failureOf, runCommand, runTool } from './run';
import { CommandTrail, ToolTrail, type RefusalKind, type Trail } from './trail';
import type { Approver, CommandPolicy, Emit } from './types';

export interface GateOptions {
  policy: () => Promise<CommandPolicy>;
  /** Runs commands; tool calls run themselves (`ToolAction.exec`). */
  executor: Executor;
  approver: Approver;
  emit: Emit;
  approvalTimeoutMs: number;
  commandTimeoutMs: number;
  /** Where tool calls are judged (their paths resolve against it). */
  cwd: string;
  home?: string;
  /** The quiet jail; without one, auto-allowed commands run unconfined (tests that bring their own executor). */
  jail?: QuietJail;
  preview?: Previewer;
  /** The command history; without it (memory off) no rows are written. */
  commandLog?: CommandLog;
  sessionId?: string;
  machine?: string;
  /** Failures to write the command history must not stop an action; they are reported here. */
  onLogError?: (err: Error) => void;
  /** The person's config.toml, where an "always allow" rule would be written. */
  rulesFile?: string;
  /** Writes an "always allow" rule the person chose; throws when it cannot. */
  remember?: (rule: NonNullable<ApprovalRequest['remember']>) => void;
  /** Asks a page for the edited command when the approver could not take text (answer `edit`); without it, `edit` declines. */
  editor?: Approver;
  /** `[transactions]`: commands that may change files run on an overlay, judged by what they did, and can be undone. */
  transactions?: Transactions;
}

/** What the approval step settled: it runs (and who let it), it does not (and why), or the person edited it. */
type Passage =
  { runs: true; approver: string } | { runs: false; refusal: string; kind: RefusalKind; logDecision: string } | { edited: string };
/** An action past the approval, with what its run step needs. */
type Running =
  | { kind: 'command'; action: CommandAction; trail: CommandTrail; preview: PreviewStep; tx: TransactionPlan }
  | { kind: 'tool'; action: ToolAction; trail: ToolTrail };
const CANCELLED: Passage = { runs: false, refusal: 'cancelled before it ran', kind: 'cancelled', logDecision: 'declined' };

/**
 * The one gate everything the AI does passes, and the person's `!cmd` too:
 * policy → (preview) → approval → jail → run → record. Nothing runs before
 * the policy decided, a refusal runs nothing, and every action leaves a
 * row in the command history and the events its card is drawn from.
 */
export class Gate {
  private readonly log: ActionLog;

  constructor(private readonly o: GateOptions) {
    this.log = new ActionLog({ store: o.commandLog, sessionId: o.sessionId, machine: o.machine, onError: o.onLogError });
  }

  pass(action: CommandAction): Promise<CommandOutcome>;
  pass(action: ToolAction): Promise<ToolOutcome>;
  async pass(action: Action): Promise<CommandOutcome | ToolOutcome> {
    return action.kind === 'command' ? this.command(action) : this.tool(action);
  }

  /** A call whose arguments could not even be read: refused before the policy, still a row. */
  recordMalformed(name: string, rawArguments: string, message: string): void {
    const raw = rawArguments.length > 500 ? `${rawArguments.slice(0, 500)}…` : rawArguments;
    this.log.finish(undefined, {
      command: `${name} ${raw}`,
      decision: 'refused',
      matchedRule: null,
      approver: null,
      cwd: this.o.cwd,
      outputExcerpt: message,
    });
  }

  private async command(a: CommandAction): Promise<CommandOutcome> {
    const j = judgeCommand(await this.o.policy(), a, { home: this.o.home, jail: this.o.jail });
    // What acts outside the filesystem cannot be undone: the question and the card say so.
    const tx: TransactionPlan = (j.verdict && this.o.transactions?.plan(j.decision, j.verdict)) || { kind: 'none' };
    if (tx.kind === 'outside') j.reasons.push(...tx.reasons.map((r) => `cannot be undone: ${r}`));
    const trail = new CommandTrail(a, this.o.emit, this.log);
    trail.start(j);
    // A command that will be a transaction once approved keeps its finished preview: the yes may commit it (it ran once).
    const keep = tx.kind === 'transaction' && j.decision === 'require_approval' && !!this.o.transactions?.reusesPreviews();
    const viaHelper = keep ? this.o.transactions?.previewViaHelper() : undefined;
    const preview = new PreviewStep(
      this.o.preview,
      { command: a.command, cwd: a.cwd, decision: j.decision, keep, ...(viaHelper ? { viaHelper } : {}) },
      a.signal,
    );
    try {
      return await this.judged(a, j, tx, trail, preview);
    } finally {
      preview.release();
    }
  }

  private async judged(a: CommandAction, j: Judgement, tx: TransactionPlan, trail: CommandTrail, preview: PreviewStep) {
    if (preview.pending && j.decision !== 'require_approval') {
      trail.writeAhead();
      await preview.wait();
    }
    const passage = await this.approval(a, j, trail, preview);
    preview.done();
    if ('edited' in passage) {
      // The person edited it: this command does not run; the edited one is judged from the start, on a card of its own.
      trail.refused(`replaced by your edit: ${passage.edited}`, 'declined', 'declined', preview.seen);
      preview.release();
      return this.command({ ...a, command: passage.edited, callId: `${a.callId}-edited` });
    }
    if (!passage.runs) return trail.refused(passage.refusal, passage.kind, passage.logDecision, preview.seen);
    return this.runAction({ kind: 'command', action: a, trail, preview, tx }, j, passage.approver) as Promise<CommandOutcome>;
  }

  private async tool(a: ToolAction): Promise<ToolOutcome> {
    const j = judgeTool(await this.o.policy(), a, { cwd: this.o.cwd, home: this.o.home });
    const trail = new ToolTrail(a, this.o.cwd, this.o.emit, this.log);
    trail.start(j);
    const passage = await this.approval(a, j, trail);
    // Only a command can be edited: an approver that answers a tool call with an edit has not approved it.
    if ('edited' in passage) return trail.refused('declined by the person', 'declined', 'declined');
    if (!passage.runs) return trail.refused(passage.refusal, passage.kind, passage.logDecision);
    return this.runAction({ kind: 'tool', action: a, trail }, j, passage.approver) as Promise<ToolOutcome>;
  }

  /**
   * The run step, one place for both kinds: a command runs through the
   * executor (in the jail when the decision put it there), a tool call calls
   * its tool; then the record is completed and the card told.
   */
  private async runAction(step: Running, j: Judgement, approver: string): Promise<CommandOutcome | ToolOutcome> {
    step.trail.running();
    if (step.kind === 'tool') return step.trail.finished(await runTool(step.action), approver);
    const { action, trail, preview, tx } = step;
    const onOutput = (data: string, stream: 'stdout' | 'stderr') => trail.output(stream, data);
    // Only a person's yes after seeing the preview lets the preview's run be the one that lands.
    const kept = approver === 'user' && tx.kind === 'transaction' ? preview.take() : undefined;
    const transaction =
      tx.kind === 'transaction' && this.o.transactions
        ? await runAsTransaction(action, {
            transactions: this.o.transactions,
            approver: this.o.approver,
            emit: this.o.emit,
            approvalTimeoutMs: this.o.approvalTimeoutMs,
            commandTimeoutMs: this.o.commandTimeoutMs,
            rule: j.rule,
            approved: approver === 'user',
            ...(j.decision === 'auto_allow' ? { stayIn: j.confinement?.workTree ?? action.cwd } : {}),
            ...(kept ? { preview: kept } : {}),
            onOutput,
          })
        : undefined;
    const failure = transaction && failureOf(transaction.result, action.signal);
    const ran = transaction
      ? { result: transaction.result, ...(failure ? { failure } : {}) }
      : await runCommand(action, {
          executor: this.o.executor,
          timeoutMs: this.o.commandTimeoutMs,
          confinedUnknown: j.confinedUnknown,
          confinement: j.confinement,
          onOutput,
        });
    return trail.finished(ran, approver, preview.seen, {
      ...(transaction ? { run: transaction } : {}),
      ...(tx.kind === 'outside' ? { cannotUndo: tx.reasons } : {}),
    });
  }

  /** Denied, asked (with the preview filling in), or let through; the notices say what the card does not. */
  private async approval(a: Action, j: Judgement, trail: Trail<unknown>, preview?: PreviewStep): Promise<Passage> {
    const { signal, turnId, callId } = a;
    if (j.decision === 'deny') return { runs: false, refusal: 'denied by the permission policy', kind: 'denied', logDecision: 'deny' };
    let approver = j.decision === 'notify' ? 'notify' : 'auto';
    if (j.decision === 'require_approval') {
      const answer = await this.ask(a, j, trail, preview);
      if (answer !== 'approved') return answer;
      approver = 'user';
    }
    if (signal.aborted) return CANCELLED;
    if (j.decision === 'notify') {
      this.o.emit('chat.notice', {
        turnId,
        callId,
        level: 'info',
        message: `${trail.verb.doing} (notify${j.rule ? `, ${j.rule}` : ''}): ${trail.summary}`,
      });
    }
    return { runs: true, approver };
  }

  private async ask(a: Action, j: Judgement, trail: Trail<unknown>, preview?: PreviewStep): Promise<'approved' | Passage> {
    const { signal, turnId, callId } = a;
    trail.writeAhead();
    const requestId = ulid();
    let answered = false;
    preview?.whenReady(
      () => !answered,
      (p) => this.o.approver.previewReady?.(requestId, p),
    );
    const canRemember = j.remember && this.o.rulesFile && this.o.remember;
    const why = a.kind === 'command' ? a.why?.trim() : undefined;
    const asked: ApprovalRequest = {
      requestId,
      callId,
      turnId,
      command: trail.summary,
      cwd: a.kind === 'command' ? a.cwd : this.o.cwd,
      decision: j.decision,
      rule: j.rule,
      reasons: j.reasons,
      ...(why ? { why } : {}),
      timeoutMs: this.o.approvalTimeoutMs,
      ...(trail instanceof ToolTrail ? { tool: trail.display } : {}),
      ...(preview?.pending ? { previewPending: true } : {}),
      ...(canRemember ? { remember: { ...j.remember!, file: this.o.rulesFile! } } : {}),
    };
    const askedAt = Date.now();
    let { answer, timedOut } = await askWithTimeout(this.o.approver, asked, signal);
    if (answer === 'edit') {
      // The native box cannot take text: the page asks for the edit alone, within what is left of the time.
      const left = Math.max(0, this.o.approvalTimeoutMs - (Date.now() - askedAt));
      ({ answer, timedOut } = this.o.editor
        ? await askWithTimeout(this.o.editor, { ...asked, requestId: ulid(), timeoutMs: left, editOnly: true }, signal)
        : { answer: 'denied', timedOut: false });
    }
    answered = true;
    await preview?.abandon();
    if (typeof answer === 'object') return { edited: answer.edited };
    if (answer === 'always' && asked.remember) {
      try {
        this.o.remember?.(asked.remember);
      } catch (err) {
        this.o.emit('chat.notice', {
          turnId,
          level: 'warning',
          message: `could not remember the rule: ${(err as Error).message}; the command still runs this once`,
        });
      }
    }
    if (answer === 'approved' || answer === 'always') return 'approved';
    if (timedOut) {
      this.o.emit('chat.notice', {
        turnId,
        callId,
        level: 'warning',
        message: `no answer within ${Math.round(this.o.approvalTimeoutMs / 1000)} s: ${trail.verb.notDoing}`,
      });
    }
    if (signal.aborted) return CANCELLED;
    if (timedOut) return { runs: false, refusal: 'no approval within the approval timeout', kind: 'timeout', logDecision: 'declined' };
    return { runs: false, refusal: 'declined by the person', kind: 'declined', logDecision: 'declined' };
  }
}
