import type { Decision } from '../../shared/policy';
import type { Preview } from '../../shared/preview';
import type { RunResult } from '../executor/executor';
import type { ToolCallFacts } from '../policy/tool-judge';

/** What every action carries: the card it belongs to, and the signal that cancels it. */
interface ActionBase {
  callId: string;
  turnId: string | null;
  /** The conversation the call belongs to, stored with its record. */
  conversationId?: string;
  signal: AbortSignal;
}

/** A shell command line: the model's run_command or the person's `!cmd`. */
export interface CommandAction extends ActionBase {
  kind: 'command';
  command: string;
  cwd: string;
  /** The AI's stated reason, shown with the command and in the approval. */
  why?: string;
  /** Run again outside the jail a command that failed confined: it is then asked about as usual. */
  unconfined?: boolean;
}

/** What a tool gives back: its text, or why it failed. */
export type ToolResult = { ok: true; value: string } | { ok: false; message: string };

/** An MCP or built-in tool call. */
export interface ToolAction extends ActionBase {
  kind: 'tool';
  turnId: string;
  /** `server__tool` as the model called it (a built-in: its own name). */
  name: string;
  facts: ToolCallFacts;
  rawArguments: string;
  /** Runs the tool once the gate lets it. */
  exec: () => Promise<ToolResult>;
}

/** Everything the AI (or the person, with `!cmd`) may do passes the gate as one of these. */
export type Action = CommandAction | ToolAction;

/** What came of a command, for the model's text and `!cmd`'s answer. */
export interface CommandOutcome {
  kind: 'command';
  command: string;
  decision: Decision;
  rule: string | null;
  reasons: string[];
  ran: boolean;
  /** Why it did not run (or could not finish). */
  refusal: string | null;
  result?: RunResult;
  /** What a preview saw it would change, when one ran. */
  preview?: Preview;
  /** No rule named it, so it ran in the quiet jail instead of asking; `jailFailure` says how the jail seems to have stopped it. */
  confinedUnknown?: { jailFailure?: string };
}

/** What came of a tool call. */
export interface ToolOutcome {
  kind: 'tool';
  name: string;
  decision: Decision;
  rule: string | null;
  reasons: string[];
  ran: boolean;
  refusal: string | null;
  /** The tool's own answer, when it was called. */
  result?: ToolResult;
}

export type ActionOutcome<A extends Action = Action> = A extends CommandAction ? CommandOutcome : ToolOutcome;
