import { z } from 'zod';
import { DECISIONS } from './decision-order';

/**
 * What the permission policy decided about a command line. Pure schemas and
 * helpers: the UI and the bridge carry these, the core produces them.
 *
 * The decisions and their order live in `./decision-order` (no zod there).
 */
export { DECISIONS, decisionRank, stricter, atLeast, type Decision } from './decision-order';
export const DecisionSchema = z.enum(DECISIONS);

/** Where a rule came from: the `[permissions]` table, a profile, or the built-in safe fallback. */
export const RuleSourceSchema = z.enum(['permissions', 'profile', 'fallback']);
export type RuleSource = z.infer<typeof RuleSourceSchema>;

/** A configured pattern that matched. `list` is the config list it sits in, which is also the decision it gives. */
export const RuleRefSchema = z.object({
  list: DecisionSchema,
  pattern: z.string(),
  source: RuleSourceSchema,
  /** The profile name when `source` is `profile`. */
  profile: z.string().optional(),
});
export type RuleRef = z.infer<typeof RuleRefSchema>;

/** One simple command of the line, as it will actually run. */
export const SegmentSchema = z.object({
  /** The words as the shell will pass them (quotes removed; `$X`-style text where the value is only known at run time). */
  argv: z.array(z.string()),
  /** The command after stripping wrappers and expanding flags, the form rules are matched against. */
  normalized: z.string(),
  decision: DecisionSchema,
  /** The strictest rule that matched this segment, when one did. */
  rule: RuleRefSchema.optional(),
  reasons: z.array(z.string()),
  /** The source text this segment came from. */
  text: z.string(),
  /** Wrappers stripped in front of the program (`sudo`, `env`, …), outermost first. */
  wrappers: z.array(z.string()),
  /** How the segment was reached: `line`, `bash -c`, `eval`, `$(…)`, `heredoc`, `find -exec`, … (outermost first). */
  via: z.array(z.string()),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const PolicyResultSchema = z.object({
  /** The strictest decision over all segments and line-level findings. */
  decision: DecisionSchema,
  segments: z.array(SegmentSchema),
  reasons: z.array(z.string()),
  /** True when the policy runs on the safe fallback because the configuration has problems. */
  fallback: z.boolean(),
  /** The profile whose rules were added, if any. */
  profile: z.string().optional(),
  /**
   * Needs approval only because no rule names its programs, none of which
   * acts outside the filesystem, and `[permissions] unknown = "confine"`:
   * it may run in the quiet jail instead of asking.
   */
  confinable: z.boolean().optional(),
  /** A narrow rule (program and argument shape) that would answer this question next time, offered as "always allow". */
  remember: z.object({ list: z.literal('auto_allow'), pattern: z.string() }).optional(),
});
export type PolicyResult = z.infer<typeof PolicyResultSchema>;

/** An MCP (or built-in) tool call as the policy judged it. */
export const ToolPolicyResultSchema = z.object({
  decision: DecisionSchema,
  server: z.string(),
  tool: z.string(),
  /** The rule that decided, when one matched (`mcp__server__tool` patterns). */
  rule: RuleRefSchema.optional(),
  reasons: z.array(z.string()),
  fallback: z.boolean(),
  profile: z.string().optional(),
});
export type ToolPolicyResult = z.infer<typeof ToolPolicyResultSchema>;

/** Reasons that do not just repeat the rule already shown (`deny: "rm -rf /"`), so a person reads each fact once. */
export function reasonsBeyondRule(rule: string | null, reasons: readonly string[]): string[] {
  const pattern = rule ? /"(.*)"$/.exec(rule)?.[1] : undefined;
  if (!pattern) return [...reasons];
  const quoted = JSON.stringify(pattern);
  return reasons.filter((r) => !r.includes(`rule ${quoted}`) && !r.includes(`: ${quoted}`));
}

/** How every UI names a decision (and history's "declined"): one source, so the TTY and the GUI say the same. */
export const DECISION_LABELS: Readonly<Record<string, string>> = {
  auto_allow: 'auto-allowed',
  notify: 'notify',
  require_approval: 'needs approval',
  deny: 'denied',
  declined: 'declined',
};

/** A history row's decision as a person reads it: an approved command says who approved it. */
export function historyDecisionLabel(decision: string, approver: string | null | undefined): string {
  if (decision === 'require_approval' && approver === 'user') return 'approved by you';
  return DECISION_LABELS[decision] ?? decision;
}
