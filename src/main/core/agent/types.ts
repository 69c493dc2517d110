import type { EventName, EventPayload } from '../../../shared/contract';
import type { Decision, PolicyResult, ToolPolicyResult } from '../../../shared/policy';
import type { Preview } from '../../../shared/preview';
import type { ToolCallFacts } from '../policy/tool-judge';

/** What the agent needs of the permission policy (the PolicyEngine provides it). */
export interface CommandPolicy {
  decide(commandLine: string, context: { cwd: string; home?: string }): PolicyResult;
  /** The same gate for MCP and built-in tool calls. */
  decideTool(call: ToolCallFacts, context: { cwd: string; home?: string }): ToolPolicyResult;
  /** The policy in one paragraph, for the system prompt. */
  describe(): string;
  /** For the status bar: the safe fallback, the profile, and whether the shipped floor was dropped. */
  readonly fallback?: boolean;
  readonly profile?: string | undefined;
  readonly replaceShipped?: boolean;
}

export interface ApprovalRequest {
  requestId: string;
  /** The command card this question is about. */
  callId: string;
  turnId: string | null;
  command: string;
  cwd: string;
  decision: Decision;
  /** The matched rule as written in config.toml, e.g. `require_approval: "rm -rf*"`; null when no rule matched. */
  rule: string | null;
  reasons: string[];
  /** What the AI said it wants this for. */
  why?: string;
  timeoutMs: number;
  /** For a tool call: which server and tool, and its arguments (pretty JSON, capped). `command` then summarises it in one line. */
  tool?: ToolCallDisplay;
  /** What the command would change, from a preview run before asking (issue 16). */
  preview?: Preview;
  /** "Always allow": the narrow rule approving with `remember` writes into `file`. */
  remember?: { list: 'auto_allow'; pattern: string; file: string };
  /** The preview still runs: `Approver.previewReady` brings it while the question is open. */
  previewPending?: boolean;
  /** Asks only for an edited command (after `edit`): an answer that does not change it runs nothing. */
  editOnly?: boolean;
}

export interface ToolCallDisplay {
  server: string;
  tool: string;
  arguments: string;
}

/**
 * `always`: approved, and the request's `remember` rule is to be written ("always allow"). `edited`: the person changed the command; it is judged again, never run as approved.
 * `edit`: the person chose to edit in a host that cannot take text (Electron's native box): the page is asked for the edited command only.
 */
export type ApprovalAnswer = 'approved' | 'denied' | 'always' | 'edit' | { edited: string };

/**
 * Asks the person. Each host implements it (a native dialog, a modal, a y/N
 * prompt). `signal` aborts when the turn is cancelled or the answer is too
 * late; the host should then take the question away.
 */
export interface Approver {
  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
  /** The preview of an open question (asked with `previewPending`) is ready: show it with the question. */
  previewReady?(requestId: string, preview: Preview): void;
}

/** Where the agent's events go: the core's EventBus in practice. */
export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** The rule that decided, as a person reads it in config.toml. */
export function decidingRule(result: PolicyResult): string | null {
  for (const s of result.segments) {
    if (s.decision === result.decision && s.rule) {
      const where = s.rule.source === 'profile' ? ` (profile ${s.rule.profile ?? '?'})` : s.rule.source === 'fallback' ? ' (safe fallback)' : '';
      return `${s.rule.list}: "${s.rule.pattern}"${where}`;
    }
  }
  return null;
}
