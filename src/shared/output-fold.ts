/**
 * How long command output is folded, in every host: the first
 * `FOLD_HEAD_LINES` lines and the last `FOLD_TAIL_LINES` are shown, and a
 * marker says how many lines between them are folded. The TTY streams the
 * head and prints the tail when the command ends; the web card shows both
 * with "Show all".
 */
export const FOLD_HEAD_LINES = 40;
export const FOLD_TAIL_LINES = 10;

export interface FoldPlan {
  head: number;
  /** Lines between head and tail that are not shown. */
  hidden: number;
  tail: number;
  total: number;
}

/** What to show of `total` lines; `hidden` is 0 when everything fits. */
export function foldPlan(total: number, head = FOLD_HEAD_LINES, tail = FOLD_TAIL_LINES): FoldPlan {
  if (total <= head + tail) return { head: total, hidden: 0, tail: 0, total };
  return { head, hidden: total - head - tail, tail, total };
}

/** The marker between head and tail, the same words in every host; `showAll` names the way to see the rest, if the host has one in words. */
export function foldMarker(plan: FoldPlan, showAll?: string): string {
  const rest = showAll ? `${showAll} shows all ${plan.total} lines` : `${plan.total} lines in all`;
  return `… ${plan.hidden} more line${plan.hidden === 1 ? '' : 's'} folded (${rest})`;
}
