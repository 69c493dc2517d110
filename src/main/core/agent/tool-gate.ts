import { ulid } from 'ulid';
import type { EventPayload } from '../../../shared/contract';
import type { ToolPolicyResult } from '../../../shared/policy';
import type { HistoryStore } from '../memory/history';
import type { ToolCallFacts } from '../policy/tool-judge';
import { TOOL_RULE_PREFIX, TOOL_SEPARATOR } from '../policy/tool-rules';
import { askWithTimeout } from './approval';
import type { ParsedArgs } from './tools';
import type { Approver, CommandPolicy, Emit, ToolCallDisplay } from './types';

/** What a card, a dialog or the prompt gets of the arguments; history keeps its own cap. */
export const MAX_DISPLAY_ARGS = 20_000;

export interface ToolGateOptions {
  policy: () => Promise<CommandPolicy>;
  approver: Approver;
  history?: HistoryStore;
  emit: Emit;
  approvalTimeoutMs: number;
  cwd: string;
  home?: string;
  machine?: string;
  sessionId?: string;
  onHistoryError?: (err: Error) => void;
}

export interface ToolCall {
  /** `server__tool` as the model called it (a built-in: its own name). */
  name: string;
  facts: ToolCallFacts;
  rawArguments: string;
  callId: string;
  turnId: string;
  conversationId?: string;
  signal: AbortSignal;
  /** Runs the tool once the gate lets it. */
  exec: () => Promise<ParsedArgs<string>>;
}

export interface ToolGateOutcome {
  text: string;
  badArgs: boolean;
}

type RefusalKind = NonNullable<EventPayload<'chat.toolDone'>['refusalKind']>;

/** `mcp__fs__write_file` plus compact arguments: one line for history, old UIs and the approval summary. */
export function toolCallSummary(facts: Pick<ToolCallFacts, 'server' | 'tool' | 'args'>, max = 500): string {
  const args = JSON.stringify(facts.args);
  const head = `${TOOL_RULE_PREFIX}${facts.server}${TOOL_SEPARATOR}${facts.tool}`;
  return `${head} ${args.length > max ? `${args.slice(0, max)}…` : args}`;
}

export function prettyArguments(args: Record<string, unknown>): string {
  const text = JSON.stringify(args, null, 2);
  return text.length > MAX_DISPLAY_ARGS ? `${text.slice(0, MAX_DISPLAY_ARGS)}\n… [${text.length - MAX_DISPLAY_ARGS} more characters]` : text;
}

function ruleText(v: ToolPolicyResult): string | null {
  if (!v.rule) return null;
  const where = v.rule.source === 'profile' ? ` (profile ${v.rule.profile ?? '?'})` : v.rule.source === 'fallback' ? ' (safe fallback)' : '';
  return `${v.rule.list}: "${v.rule.pattern}"${where}`;
}

/**
 * One MCP or built-in tool call through policy → (approval) → the tool →
 * history: the same gate as run_command. Nothing runs before the policy
 * decided, a refusal runs nothing, and every call leaves a history row.
 */
export class ToolGate {
  constructor(private readonly o: ToolGateOptions) {}

  async run(call: ToolCall): Promise<ToolGateOutcome> {
    const { facts, callId, turnId, signal, name } = call;
    const policy = await this.o.policy();
    const verdict = policy.decideTool(facts, { cwd: this.o.cwd, ...(this.o.home ? { home: this.o.home } : {}) });
    const { decision, reasons } = verdict;
    const rule = ruleText(verdict);
    const display: ToolCallDisplay = { server: facts.server, tool: facts.tool, arguments: prettyArguments(facts.args) };
    const summary = toolCallSummary(facts);
    this.o.emit('chat.toolCall', { turnId, callId, name, arguments: call.rawArguments, decision, rule, reasons, tool: display });
    const keys = { callId, turnId, ...(call.conversationId ? { conversationId: call.conversationId } : {}) };
    // Write-ahead: the row exists (running) before anything is asked or called, so a crash leaves a trace.
    const rowId = this.write(() => this.o.history?.begin(this.entry({ command: summary, decision, matchedRule: rule, approver: null, cwd: this.o.cwd, ...keys })));

    const refuse = (refusal: string, refusalKind: RefusalKind, historyDecision: string): ToolGateOutcome => {
      this.record(rowId, { command: summary, decision: historyDecision, matchedRule: rule, approver: null, cwd: this.o.cwd, outputExcerpt: refusal, ...keys });
      this.o.emit('chat.toolDone', { callId, name, decision, ran: false, refusal, refusalKind });
      const advice =
        decision === 'deny'
          ? 'The permission policy forbids this tool call; it was NOT made. Do not try it again or work around it; tell the person.'
          : 'The tool call was NOT made. Tell the person; do not retry unless they ask.';
      return { text: JSON.stringify({ success: false, ran: false, decision, refused: refusal, rule, reasons, message: advice }), badArgs: false };
    };

    if (decision === 'deny') return refuse('denied by the permission policy', 'denied', 'deny');
    let approver = decision === 'notify' ? 'notify' : 'auto';
    if (decision === 'require_approval') {
      const { answer, timedOut } = await askWithTimeout(
        this.o.approver,
        { requestId: ulid(), callId, turnId, command: summary, cwd: this.o.cwd, decision, rule, reasons, timeoutMs: this.o.approvalTimeoutMs, tool: display },
        signal,
      );
      if (answer !== 'approved' && answer !== 'always') {
        if (signal.aborted) return refuse('cancelled before it ran', 'cancelled', 'declined');
        if (timedOut) {
          this.o.emit('chat.notice', { turnId, level: 'warning', message: `no answer within ${Math.round(this.o.approvalTimeoutMs / 1000)} s: not calling ${name}` });
          return refuse('no approval within the approval timeout', 'timeout', 'declined');
        }
        return refuse('declined by the person', 'declined', 'declined');
      }
      approver = 'user';
    }
    if (signal.aborted) return refuse('cancelled before it ran', 'cancelled', 'declined');
    if (decision === 'notify') this.o.emit('chat.notice', { turnId, level: 'info', message: `calling (notify${rule ? `, ${rule}` : ''}): ${summary}` });

    const started = new Date();
    let r: ParsedArgs<string>;
    try {
      r = await call.exec();
    } catch (err) {
      r = { ok: false, message: `${name} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    const ended = new Date();
    this.record(rowId, {
      ...keys,
      command: summary,
      decision,
      matchedRule: rule,
      approver,
      startedAt: started,
      endedAt: ended,
      durationMs: ended.getTime() - started.getTime(),
      cwd: this.o.cwd,
      outputExcerpt: r.ok ? r.value : r.message,
    });
    this.o.emit('chat.toolDone', { callId, name, decision, ran: r.ok, refusal: r.ok ? null : r.message, refusalKind: r.ok ? null : 'failed' });
    return r.ok ? { text: r.value, badArgs: false } : { text: r.message, badArgs: true };
  }

  /** A call whose arguments could not even be read: refused before the policy, still a history row. */
  recordMalformed(name: string, rawArguments: string, message: string): void {
    const raw = rawArguments.length > 500 ? `${rawArguments.slice(0, 500)}…` : rawArguments;
    this.record(undefined, { command: `${name} ${raw}`, decision: 'refused', matchedRule: null, approver: null, cwd: this.o.cwd, outputExcerpt: message });
  }

  private entry(e: Parameters<HistoryStore['record']>[0]): Parameters<HistoryStore['record']>[0] {
    return { ...e, ...(this.o.machine ? { machine: this.o.machine } : {}), sessionId: this.o.sessionId ?? null };
  }

  /** Completes the row written when the call started (or, without one, writes a whole row). */
  private record(rowId: string | undefined, entry: Parameters<HistoryStore['record']>[0]): void {
    const full = this.entry(entry);
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
