import type { Decision, PolicyResult } from '../../shared/policy';

/**
 * Whether the quiet jail can hold a command in its folder. The gate asks
 * the jail and passes the answer in; the policy never imports the jail.
 */
export type JailAvailability = { available: true; workTree: string } | { available: false; reason: string };

/** A command's decision once the jail's availability is known: the one that counts. */
export interface JailDecision {
  decision: Decision;
  /** The verdict's reasons and what the jail's state adds to them. */
  reasons: string[];
  /** It runs in the quiet jail. */
  confined: boolean;
  /** It runs confined only because no rule names it (it would otherwise ask). */
  confinedUnknown: boolean;
  /** Whether it runs confined, in words for the card; absent when no jail is in play. */
  sandbox?: { confined: boolean; detail: string };
}

/**
 * The one place the jail changes what the rules decided:
 * - auto_allow is quiet only inside the jail: without one it runs as notify,
 *   so the person is told;
 * - what needs approval only because no rule names it (`confinable`) runs in
 *   the jail instead of asking, when there is one (and the model did not ask
 *   to run it `unconfined`, which asks).
 * `jail` is asked only when it matters (finding the protected places of a
 * working tree reads the disk); without one (`undefined`) the rules' decision
 * stands as it is.
 */
export function decideWithJail(
  verdict: Pick<PolicyResult, 'decision' | 'confinable'>,
  reasons: readonly string[],
  jail: (() => JailAvailability) | undefined,
  options: { unconfined?: boolean } = {},
): JailDecision {
  let decision = verdict.decision;
  const out = [...reasons];
  const forUnknown = decision === 'require_approval' && verdict.confinable === true && !options.unconfined ? jail?.() : undefined;
  const confinedUnknown = forUnknown?.available === true;
  if (confinedUnknown) {
    decision = 'auto_allow';
    out.push('no rule covers it, so it runs confined (read-only except this folder) instead of asking');
  }
  const state = confinedUnknown ? forUnknown : decision === 'auto_allow' ? jail?.() : undefined;
  if (!state) return { decision, reasons: out, confined: false, confinedUnknown };
  if (!state.available) {
    out.push(`auto-allowed, but runs as notify: ${state.reason}`);
    return {
      decision: 'notify',
      reasons: out,
      confined: false,
      confinedUnknown,
      sandbox: { confined: false, detail: `not confined (${state.reason}): runs as notify` },
    };
  }
  const detail = confinedUnknown
    ? `confined because no rule covers it: read-only except ${state.workTree}, private /tmp, no network; if the jail stops it, it can run again unconfined after you approve`
    : `confined: read-only except ${state.workTree}, private /tmp, no network, only its own processes`;
  return { decision, reasons: out, confined: true, confinedUnknown, sandbox: { confined: true, detail } };
}
