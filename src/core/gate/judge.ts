import type { Decision, PolicyResult, RuleRef } from '../../shared/policy';
import type { Confinement } from '../executor/sandbox';
import { decideWithJail } from '../policy/jail-decision';
import type { CommandAction, ToolAction } from './action';
import { jailProbe, type QuietJail } from './quiet-jail';
import type { CommandPolicy } from './types';

/** The policy step's answer for one action: what happens to it, and why. */
export interface Judgement {
  decision: Decision;
  /** The rule that decided, as written in config.toml; null when none did. */
  rule: string | null;
  reasons: string[];
  /** The narrow rule an "always allow" would write. */
  remember?: { list: 'auto_allow'; pattern: string };
  /** Runs confined only because no rule names it. */
  confinedUnknown: boolean;
  /** Whether it runs in the jail, in words for the card. */
  sandbox?: { confined: boolean; detail: string };
  /** The jail it runs in, when it does. */
  confinement?: Confinement;
  /** The policy's verdict on a command line, for what reads its segments (which programs act outside the filesystem). */
  verdict?: PolicyResult;
}

/** A rule as a person reads it in config.toml: `require_approval: "rm -rf*"`, with where it came from. */
export function ruleText(ref: RuleRef | undefined): string | null {
  if (!ref) return null;
  const where = ref.source === 'profile' ? ` (profile ${ref.profile ?? '?'})` : ref.source === 'fallback' ? ' (safe fallback)' : '';
  return `${ref.list}: "${ref.pattern}"${where}`;
}

/** The rule that decided a command line: the first segment that reached the line's decision through a rule. */
export function decidingRule(result: PolicyResult): string | null {
  return ruleText(result.segments.find((s) => s.decision === result.decision && s.rule)?.rule);
}

/** A command line: the policy's verdict, settled against whether the jail can hold it. */
export function judgeCommand(policy: CommandPolicy, action: CommandAction, context: { home?: string; jail?: QuietJail }): Judgement {
  const { command, cwd } = action;
  const verdict = policy.decide(command, { cwd, home: context.home });
  // The verdict's own reasons quote its segments' ("…: matches rule X"): keep each fact once.
  const reasons = [...verdict.reasons, ...verdict.segments.flatMap((s) => s.reasons)].filter(
    (r, i, all) => all.findIndex((o) => o.includes(r)) === i,
  );
  const probe = jailProbe(context.jail, cwd);
  const settled = decideWithJail(verdict, reasons, probe.availability, { unconfined: action.unconfined === true });
  const confinement = settled.confined ? probe.confinement() : undefined;
  return {
    decision: settled.decision,
    rule: decidingRule(verdict),
    reasons: settled.reasons,
    confinedUnknown: settled.confinedUnknown,
    verdict,
    ...(verdict.remember ? { remember: verdict.remember } : {}),
    ...(settled.sandbox ? { sandbox: settled.sandbox } : {}),
    ...(confinement ? { confinement } : {}),
  };
}

/** An MCP or built-in tool call: the policy's verdict as it is (tools do not run in the jail). */
export function judgeTool(policy: CommandPolicy, action: ToolAction, context: { cwd: string; home?: string }): Judgement {
  const verdict = policy.decideTool(action.facts, { cwd: context.cwd, home: context.home });
  return { decision: verdict.decision, rule: ruleText(verdict.rule), reasons: verdict.reasons, confinedUnknown: false };
}
