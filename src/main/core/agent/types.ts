import type { EventName, EventPayload } from '../../../shared/contract';
import type { Decision, PolicyResult } from '../../../shared/policy';
import type { Preview } from '../../../shared/preview';

/** What the agent needs of the permission policy (the PolicyEngine provides it). */
export interface CommandPolicy {
  decide(commandLine: string, context: { cwd: string; home?: string }): PolicyResult;
  /** The policy in one paragraph, for the system prompt. */
  describe(): string;
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
  timeoutMs: number;
  /** What the command would change, from a preview run before asking (issue 16). */
  preview?: Preview;
}

export type ApprovalAnswer = 'approved' | 'denied';

/**
 * Asks the person. Each host implements it (a native dialog, a modal, a y/N
 * prompt). `signal` aborts when the turn is cancelled or the answer is too
 * late; the host should then take the question away.
 */
export interface Approver {
  approve(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
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
