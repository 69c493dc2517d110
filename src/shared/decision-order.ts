/**
 * The four policy decisions and their order, without zod: the policy engine
 * needs only these, and a short `aios policy check` should not load a schema
 * library to compare two decisions. `./policy` builds its schemas on them.
 *
 * "Stricter" means later in this list.
 */
export const DECISIONS = ['auto_allow', 'notify', 'require_approval', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

/** 0 for auto_allow … 3 for deny. */
export function decisionRank(d: Decision): number {
  return DECISIONS.indexOf(d);
}

/** The stricter of two decisions. */
export function stricter(a: Decision, b: Decision): Decision {
  return decisionRank(a) >= decisionRank(b) ? a : b;
}

/** True when `a` is at least as strict as `b`. */
export function atLeast(a: Decision, b: Decision): boolean {
  return decisionRank(a) >= decisionRank(b);
}
