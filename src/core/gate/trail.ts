import type { CommandRecord, EventPayload, ToolCallDisplay } from '../../shared/contract';
import type { Preview } from '../../shared/preview';
import { TOOL_RULE_PREFIX, TOOL_SEPARATOR } from '../policy/rules/tool-rules';
import type { ToolCallFacts } from '../policy/tool-judge';
import type { CommandAction, CommandOutcome, ToolAction, ToolOutcome } from './action';
import type { ActionLog } from './action-log';
import type { Judgement } from './judge';
import type { CommandHistoryEntry } from '../memory/history';
import { OutputRecorder } from './output-record';
import type { CommandRan, ToolRan } from './run';
import type { Emit } from './types';
import { historyEffects, type TransactionRun } from '../transaction/hook';

/** Why an action did not run, as a code for the UIs. */
export type RefusalKind = NonNullable<EventPayload<'chat.commandDone'>['refusalKind']>;

/** What the cards, dialogs and prompt get of a tool's arguments; the command history keeps its own cap. */
export const MAX_DISPLAY_ARGS = 20_000;

/** `mcp__fs__write_file` plus compact arguments: one line for the command history, old UIs and the approval summary. */
export function toolCallSummary(facts: Pick<ToolCallFacts, 'server' | 'tool' | 'args'>, max = 500): string {
  const args = JSON.stringify(facts.args);
  const head = `${TOOL_RULE_PREFIX}${facts.server}${TOOL_SEPARATOR}${facts.tool}`;
  return `${head} ${args.length > max ? `${args.slice(0, max)}…` : args}`;
}

export function prettyArguments(args: Record<string, unknown>): string {
  const text = JSON.stringify(args, null, 2);
  return text.length > MAX_DISPLAY_ARGS
    ? `${text.slice(0, MAX_DISPLAY_ARGS)}\n… [${text.length - MAX_DISPLAY_ARGS} more characters]`
    : text;
}

/**
 * What an action leaves behind as it passes the gate: the events its card is
 * drawn from and its row in the command history. One per kind of action,
 * with the same steps, so the gate itself does not care which it holds.
 */
export interface Trail<O> {
  /** What the approval question and the command history show of it. */
  readonly summary: string;
  /** The words of the notices: `running`/`not running <command>`, `calling`/`not calling <tool>`. */
  readonly verb: { doing: string; notDoing: string };
  /** Judged: the card appears, the row is written ahead. */
  start(j: Judgement): void;
  refused(refusal: string, kind: RefusalKind, logDecision: string, preview: Preview | undefined): O;
  /** Past the policy and the person: it starts now. */
  running(): void;
  /** The gate is about to wait (a preview, the person): the row must be written before. */
  writeAhead(): void;
}

export class CommandTrail implements Trail<CommandOutcome> {
  readonly summary: string;
  readonly verb: { doing: string; notDoing: string };
  readonly recorder = new OutputRecorder();
  private startEvent!: CommandRecord['start'];
  private j!: Judgement;
  private rowId: string | undefined;
  /** The row `start` would write, kept until something waits or it runs. */
  private ahead: CommandHistoryEntry | undefined;

  constructor(
    private readonly a: CommandAction,
    private readonly emit: Emit,
    private readonly log: ActionLog,
  ) {
    this.summary = a.command;
    this.verb = { doing: 'running', notDoing: `not running ${a.command}` };
  }

  private get keys() {
    return { callId: this.a.callId, turnId: this.a.turnId, conversationId: this.a.conversationId ?? null };
  }

  /** The card's whole story, stored so a restore rebuilds the card the person saw (not the model's copy). */
  private record(done: CommandRecord['done']): CommandRecord {
    return { callId: this.a.callId, start: this.startEvent, ...this.recorder.snapshot(), done };
  }

  start(j: Judgement): void {
    const { callId, turnId, command, cwd } = this.a;
    const why = this.a.why?.trim();
    this.j = j;
    this.startEvent = {
      callId,
      turnId,
      command,
      cwd,
      decision: j.decision,
      rule: j.rule,
      reasons: j.reasons,
      ...(why ? { why } : {}),
      ...(j.sandbox ? { sandbox: j.sandbox } : {}),
    };
    this.emit('chat.commandStart', this.startEvent);
    this.ahead = { command, decision: j.decision, matchedRule: j.rule, approver: null, cwd, ...this.keys };
  }

  /**
   * Writes the row ahead, before the gate waits for anything (a preview, the
   * person). A command that runs at once gets its row in `running` instead:
   * one write on the way to the spawn rather than two.
   */
  writeAhead(): void {
    if (this.rowId || !this.ahead) return;
    this.rowId = this.log.begin({ ...this.ahead, record: { callId: this.a.callId, start: this.startEvent, output: [], omittedChars: 0 } });
  }

  refused(refusal: string, kind: RefusalKind, logDecision: string, preview: Preview | undefined): CommandOutcome {
    const { command, cwd, callId } = this.a;
    const { decision, rule, reasons } = this.j;
    const decidedBy = kind === 'declined' ? 'you' : kind === 'timeout' ? 'timeout' : kind === 'denied' ? 'rules' : undefined;
    const done: CommandRecord['done'] = {
      callId,
      command,
      decision,
      ran: false,
      refusal,
      refusalKind: kind,
      exitCode: null,
      signal: null,
      durationMs: 0,
      timedOut: false,
      cancelled: kind === 'cancelled',
      ...(decidedBy ? { decidedBy } : {}),
    };
    this.log.finish(this.rowId, {
      command,
      decision: logDecision,
      matchedRule: rule,
      approver: null,
      cwd,
      outputExcerpt: refusal,
      ...this.keys,
      record: this.record(done),
    });
    this.emit('chat.commandDone', done);
    return { kind: 'command', command, decision, rule, reasons, ran: false, refusal, ...(preview ? { preview } : {}) };
  }

  running(): void {
    this.emit('chat.commandRunning', { callId: this.a.callId });
    const record = { callId: this.a.callId, start: this.startEvent, output: [], omittedChars: 0, running: true };
    if (this.rowId) this.log.running(this.rowId, record);
    else if (this.ahead) this.rowId = this.log.begin({ ...this.ahead, record });
  }

  /** Output as it comes: to the card now, and into the record. */
  output(stream: 'stdout' | 'stderr', data: string): void {
    this.recorder.add(stream, data);
    this.emit('chat.commandOutput', { callId: this.a.callId, stream, data });
  }

  finished(
    ran: CommandRan,
    approver: string,
    preview: Preview | undefined,
    tx: { run?: TransactionRun; cannotUndo?: string[] } = {},
  ): CommandOutcome {
    const { command, cwd, callId } = this.a;
    const { decision, rule, reasons } = this.j;
    const { result, failure, jailFailure } = ran;
    const started = result.spawnError === undefined;
    const done: CommandRecord['done'] = {
      callId,
      command,
      decision,
      ran: started,
      refusal: failure ?? null,
      refusalKind: started ? null : 'failed',
      exitCode: result.exitCode,
      signal: result.signal,
      durationMs: result.durationMs,
      timedOut: result.timedOut,
      cancelled: result.cancelled,
      decidedBy: approver === 'user' ? 'you' : 'rules',
      ...(jailFailure ? { jailFailure } : {}),
      ...(tx.run?.facts ? { undo: { recordId: tx.run.facts.recordId, summary: tx.run.facts.summary } } : {}),
      ...(tx.run?.notApplied ? { notApplied: tx.run.notApplied } : {}),
      ...(tx.cannotUndo ? { cannotUndo: tx.cannotUndo } : {}),
    };
    this.log.finish(
      this.rowId,
      {
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
        ...this.keys,
        record: this.record(done),
      },
      tx.run?.facts ? historyEffects(tx.run.facts) : undefined,
    );
    this.emit('chat.commandDone', done);
    const unknownNote = this.j.confinedUnknown ? { confinedUnknown: jailFailure ? { jailFailure } : {} } : {};
    return {
      kind: 'command',
      command,
      decision,
      rule,
      reasons,
      ran: started,
      refusal: failure ?? null,
      result,
      ...(preview ? { preview } : {}),
      ...unknownNote,
    };
  }
}

export class ToolTrail implements Trail<ToolOutcome> {
  readonly summary: string;
  readonly verb: { doing: string; notDoing: string };
  readonly display: ToolCallDisplay;
  private j!: Judgement;
  private rowId: string | undefined;

  constructor(
    private readonly a: ToolAction,
    private readonly cwd: string,
    private readonly emit: Emit,
    private readonly log: ActionLog,
  ) {
    this.summary = toolCallSummary(a.facts);
    this.verb = { doing: 'calling', notDoing: `not calling ${a.name}` };
    this.display = { server: a.facts.server, tool: a.facts.tool, arguments: prettyArguments(a.facts.args) };
  }

  private get keys() {
    return { callId: this.a.callId, turnId: this.a.turnId, ...(this.a.conversationId ? { conversationId: this.a.conversationId } : {}) };
  }

  start(j: Judgement): void {
    const { turnId, callId, name, rawArguments } = this.a;
    this.j = j;
    this.emit('chat.toolCall', {
      turnId,
      callId,
      name,
      arguments: rawArguments,
      decision: j.decision,
      rule: j.rule,
      reasons: j.reasons,
      tool: this.display,
    });
    this.rowId = this.log.begin({
      command: this.summary,
      decision: j.decision,
      matchedRule: j.rule,
      approver: null,
      cwd: this.cwd,
      ...this.keys,
    });
  }

  refused(refusal: string, kind: RefusalKind, logDecision: string): ToolOutcome {
    const { decision, rule, reasons } = this.j;
    this.log.finish(this.rowId, {
      command: this.summary,
      decision: logDecision,
      matchedRule: rule,
      approver: null,
      cwd: this.cwd,
      outputExcerpt: refusal,
      ...this.keys,
    });
    this.emit('chat.toolDone', { callId: this.a.callId, name: this.a.name, decision, ran: false, refusal, refusalKind: kind });
    return { kind: 'tool', name: this.a.name, decision, rule, reasons, ran: false, refusal };
  }

  running(): void {}

  writeAhead(): void {}

  finished(ran: ToolRan, approver: string): ToolOutcome {
    const { decision, rule, reasons } = this.j;
    const { result: r, startedAt, endedAt } = ran;
    this.log.finish(this.rowId, {
      ...this.keys,
      command: this.summary,
      decision,
      matchedRule: rule,
      approver,
      startedAt,
      endedAt,
      durationMs: endedAt.getTime() - startedAt.getTime(),
      cwd: this.cwd,
      outputExcerpt: r.ok ? r.value : r.message,
    });
    const refusal = r.ok ? null : r.message;
    this.emit('chat.toolDone', {
      callId: this.a.callId,
      name: this.a.name,
      decision,
      ran: r.ok,
      refusal,
      refusalKind: r.ok ? null : 'failed',
    });
    return { kind: 'tool', name: this.a.name, decision, rule, reasons, ran: r.ok, refusal, result: r };
  }
}
