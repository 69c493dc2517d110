import path from 'node:path';
import { protectedReason, type ProtectedPathContext } from '../policy/programs/protected-paths';
import type { Effect } from './types';

/**
 * Effect rules: what a command *did*, judged before it lands, beside the
 * command rules that judge how it is spelled and in their vocabulary (a
 * finding turns the decision into require_approval, with the reason). They
 * read the policy's one list of protected places.
 */

export type EffectRule = 'protected-path' | 'setuid' | 'capability' | 'new-executable-on-path' | 'outside-work-tree';

export interface EffectFinding {
  rule: EffectRule;
  path: string;
  reason: string;
}

/** The rules, as `aios policy check` explains them. */
export const EFFECT_RULES: ReadonlyArray<[EffectRule, string]> = [
  [
    'protected-path',
    "a write to a protected place (sudoers, PAM, cron, systemd units, authorized_keys, start-up files, aios's own files) needs approval",
  ],
  ['setuid', 'a file made setuid or setgid needs approval'],
  ['capability', 'a file given capabilities (security.capability) needs approval'],
  ['new-executable-on-path', 'a new executable in a PATH folder that no package lists as its own needs approval'],
  ['outside-work-tree', 'a command allowed because it stays inside the working tree needs approval to write outside it'],
];

export interface EffectContext {
  protect: ProtectedPathContext;
  /** The PATH folders. */
  pathDirs: readonly string[];
  /** Files package manager records list as theirs (dpkg's *.list files, old and new). */
  packageFiles: ReadonlySet<string>;
  /** Set when the command was allowed because it stays inside this folder. */
  workTree?: string;
  /** Folders that are scratch space, not "outside" (/tmp). */
  scratch?: readonly string[];
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(`${dir.replace(/\/$/, '')}/`);

export function judgeEffects(effects: readonly Effect[], ctx: EffectContext): EffectFinding[] {
  const out: EffectFinding[] = [];
  const seen = new Set<string>();
  const add = (f: EffectFinding) => {
    const key = `${f.rule} ${f.path}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  const pathDirs = new Set(ctx.pathDirs.map((d) => path.resolve(d)));
  for (const e of effects) {
    const why = protectedReason(e.path, ctx.protect, { containing: e.change === 'deleted' });
    if (why) add({ rule: 'protected-path', path: e.path, reason: `${e.change} ${e.path}: ${why}` });
    if (e.change === 'deleted') continue;
    const setid = (e.mode ?? 0) & 0o6000 & ~(e.oldMode ?? 0);
    if (setid && e.type === 'file')
      add({
        rule: 'setuid',
        path: e.path,
        reason: `${e.path} becomes ${setid & 0o4000 ? 'setuid' : 'setgid'} (mode ${(e.mode ?? 0).toString(8)})`,
      });
    if (e.capabilities) add({ rule: 'capability', path: e.path, reason: `${e.path} gets file capabilities` });
    const executable = e.type === 'file' && ((e.mode ?? 0) & 0o111) !== 0 && (e.change === 'added' || ((e.oldMode ?? 0) & 0o111) === 0);
    if (executable && pathDirs.has(path.dirname(e.path)) && !ctx.packageFiles.has(e.path)) {
      add({ rule: 'new-executable-on-path', path: e.path, reason: `${e.path} is a new program on PATH that no package lists` });
    }
    if (ctx.workTree && !inside(e.path, ctx.workTree) && !(ctx.scratch ?? []).some((d) => inside(e.path, d))) {
      add({ rule: 'outside-work-tree', path: e.path, reason: `${e.change} ${e.path}: outside the working tree ${ctx.workTree}` });
    }
  }
  return out;
}
