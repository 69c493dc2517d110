import fs from 'node:fs';
import { removeRunLater } from '../jail/preview';
import type { KeptPreview } from '../preview';
import { SUDO_IN_PREVIEW } from '../preview/summary';
import { adoptPreview, type PendingTransaction } from './engine';
import type { UndoStore } from './store';
import type { Step } from './types';

/**
 * Whether an approved command's finished preview can be its transaction (the
 * run is the preview, committed as it is) rather than running it again: only
 * when the preview's run is the run the transaction would have made. Each
 * answer is the reason it cannot, in words (for the debug log and tests), or
 * null when it can. What the effects say is checked apart (`stepsOutside`),
 * once they are read.
 */
export function previewReuseRefusal(
  k: KeptPreview,
  want: {
    command: string;
    cwd: string;
    shell: string | undefined;
    env: NodeJS.ProcessEnv;
    /** The folders the transaction would overlay (overlayAround's answer). */
    targets: readonly string[];
    /** The network the transaction would give it. */
    network: boolean;
    /** Whom the transaction would run it as (the root helper's caller), or undefined: aios's own user. */
    runAs: KeptPreview['runAs'];
  },
): string | null {
  const run = k.run;
  if (k.command !== want.command || k.cwd !== want.cwd) return 'the previewed command or its folder is not the one approved';
  if ((k.shell ?? '/bin/bash') !== (want.shell ?? '/bin/bash')) return 'the preview ran it with another shell';
  if (!sameEnv(k.env, want.env)) return 'the preview ran it with another environment';
  // A preview made through sudo by aios itself sits in the user's folders (they could be changed before the commit):
  // only one aios (as root) or its root helper made, in root's folders, is committed.
  if (run.elevated || process.getuid?.() !== 0)
    return "aios is not root: the preview ran in the user's folders, not the root helper's (it runs again)";
  if (!sameUser(k.runAs, want.runAs)) return 'the preview ran it as another user';
  if (run.setupError || run.timedOut || run.exitCode === null) return 'the preview did not run to its end';
  if (run.exitCode !== 0) return `it failed in the preview (exit ${run.exitCode}): it runs again, where it may do more`;
  // The preview's network is off; with it on, what the command sent is not the transaction's business to repeat or not.
  if (k.network) return 'the preview had the network on';
  // Same jail, same capabilities: a sudo inside is the same root in both. Anything else the preview did not see is a reason.
  const blind = k.limits.filter((l) => l !== SUDO_IN_PREVIEW);
  if (blind.length > 0) return `the preview could not see everything: ${blind[0]}`;
  // Removed meanwhile (a sweep, a person): nothing to commit from.
  if (!run.targets.every((t) => fs.existsSync(t.upper))) return "the preview's upper layers are gone";
  const overlaid = run.targets.map((t) => t.dir);
  const uncovered = want.targets.find((d) => !overlaid.some((o) => inside(d, o)));
  if (uncovered) return `the preview did not overlay ${uncovered}, which the transaction would`;
  return null;
}

type Wanted = Parameters<typeof previewReuseRefusal>[1];

/**
 * The kept preview as the transaction, when it is the run this transaction
 * would make; otherwise its upper layers are removed and why is said.
 */
export function takePreview(k: KeptPreview, want: Wanted & { store: UndoStore }): { p?: PendingTransaction; why?: string } {
  let why = previewReuseRefusal(k, want);
  if (!why) {
    try {
      want.store.ensure();
      const p = adoptPreview(k.run, k.beganNs);
      const outside = stepsOutside(p.steps, want.targets);
      if (outside.length === 0) return { p };
      why = `it wrote where a transaction could not (${outside[0]})`;
    } catch (err) {
      why = `the preview's upper layers could not be read (${(err as Error).message})`;
    }
  }
  void removeRunLater(k.run);
  debugReuse(want.command, why);
  return { why };
}

/** A conflict of a reused preview: the files changed while the person was deciding. */
export const conflictSincePreview = (paths: readonly string[]) =>
  `not applied: changed underneath since the preview ran (while the approval was open): ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` and ${paths.length - 5} more` : ''}; nothing was changed, run it again`;

/** Why a kept preview was not the transaction, for whoever debugs it (`AIOS_DEBUG=1`); the run's result carries it too. */
export function debugReuse(command: string, why: string): void {
  if (process.env.AIOS_DEBUG) process.stderr.write(`[aios debug] preview not reused for ${JSON.stringify(command)}: ${why}\n`);
}

/** Steps outside the transaction's folders: there the command's writes would have failed in a transaction. */
export function stepsOutside(steps: readonly Step[], targets: readonly string[]): string[] {
  return steps.map((s) => s.path).filter((p) => !targets.some((t) => inside(p, t)));
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

function sameUser(a: KeptPreview['runAs'], b: KeptPreview['runAs']): boolean {
  if (!a || !b) return !a && !b;
  const groups = (g: readonly number[]) => [...g].sort((x, y) => x - y).join(',');
  return a.uid === b.uid && a.gid === b.gid && groups(a.groups) === groups(b.groups);
}

function sameEnv(a: NodeJS.ProcessEnv, b: NodeJS.ProcessEnv): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => a[k] === b[k]);
}
