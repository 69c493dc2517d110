import type { ApprovalRequest, EventName, EventPayload } from '../../shared/contract';
import type { PolicyResult, ToolPolicyResult } from '../../shared/policy';
import type { Preview } from '../../shared/preview';
import type { ToolCallFacts } from '../policy/tool-judge';

export type { ApprovalRequest, ToolCallDisplay } from '../../shared/contract';

/** What the gate (and the agent's prompt) need of the permission policy; the PolicyEngine provides it. */
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

/** Where the core's chat events go: the core's EventBus in practice. */
export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;
