import path from 'node:path';
import picomatch from 'picomatch';
import { PROC_SECRET_SAMPLES, secretFiles, secretReason, type SecretFileContext } from '../../environment/secret-files';
import { resolvePath } from '../shell/paths';
import type { Layer, NormalizedCommand } from '../shell/types';
import type { Arg } from '../shell/words';

/**
 * Reads of well-known secret files: what a command prints goes to the model
 * provider, a third party, so naming a secret file in any word of a command
 * (an operand, an option's value, `if=`, a `<` redirection) needs approval,
 * with or without sudo. A folder that holds one counts only for programs that
 * read folders recursively (`grep -r x ~`, `tar c ~`, `cp -r ~ …`).
 *
 * Lexical only, like the rest of the policy.
 */

/** Programs that look at names and metadata, never at contents (df and kin: a raw disk's size and label, not its blocks). */
const NAMES_ONLY = new Set([
  'df',
  'findmnt',
  'lsblk',
  'blkid',
  'smartctl',
  'ls',
  'stat',
  'du',
  'realpath',
  'readlink',
  'dirname',
  'basename',
  'test',
  '[',
  'namei',
  'lsattr',
  'getfacl',
  'cd',
  'pushd',
  'echo',
  'printf',
  'mkdir',
  'touch',
  'chmod',
  'chown',
  'chgrp',
  'rm',
  'rmdir',
  'tree',
  'exa',
  'eza',
]);

/** Programs that read a folder's contents all the way down, always or with the option shown. */
const RECURSIVE: Readonly<Record<string, RegExp | true>> = {
  grep: /^-[A-Za-z]*[rR]|^--recursive$|^--dereference-recursive$|^--directories=recurse$/,
  egrep: /^-[A-Za-z]*[rR]|^--recursive$|^--dereference-recursive$/,
  fgrep: /^-[A-Za-z]*[rR]|^--recursive$|^--dereference-recursive$/,
  zgrep: /^-[A-Za-z]*[rR]|^--recursive$/,
  rgrep: true,
  rg: true,
  ag: true,
  ack: true,
  ugrep: /^-[A-Za-z]*[rR]|^--recursive$/,
  tar: true,
  bsdtar: true,
  zip: /^-[A-Za-z]*r|^--recurse-paths$/,
  '7z': true,
  '7za': true,
  cpio: true,
  cp: /^-[A-Za-z]*[rRa]|^--recursive$|^--archive$/,
  rsync: true,
  scp: /^-[A-Za-z]*r/,
  find: /^-(exec|execdir|ok|okdir)$/,
  strings: true,
  diff: /^-[A-Za-z]*r|^--recursive$/,
  duplicity: true,
  restic: true,
  borg: true,
  rclone: true,
};

function recursive(layer: Layer): boolean {
  const how = RECURSIVE[layer.program];
  if (!how) return false;
  if (how === true) return true;
  return layer.args.some((a) => !a.dynamic && how.test(a.text));
}

/** The path-like texts one word can carry: itself, an option's `=value`, a short option's attached path. */
function candidates(a: Arg): Array<{ text: string; glob: boolean; dynamic: boolean }> {
  const out: Array<{ text: string; glob: boolean; dynamic: boolean }> = [];
  const t = a.text;
  if (t === '' || t === '-') return out;
  out.push({ text: t, glob: a.glob, dynamic: a.dynamic });
  const eq = t.indexOf('=');
  if (eq > 0 && eq < t.length - 1) out.push({ text: t.slice(eq + 1), glob: a.glob, dynamic: a.dynamic });
  if (/^-[A-Za-z]\//.test(t)) out.push({ text: t.slice(2), glob: a.glob, dynamic: a.dynamic });
  return out;
}

/** `$HOME`, `${HOME}` are the home directory; other run-time parts become wildcards. */
function asGlob(text: string, home: string | undefined): { glob: string; leading?: string } | undefined {
  const withHome = home !== undefined ? text.replace(/\$\{HOME\}|\$HOME(?![A-Za-z0-9_])/g, home) : text;
  const parts = withHome.split(/\$\{[^}]*\}|\$\([^)]*\)|`[^`]*`|\$[A-Za-z_][A-Za-z0-9_]*|\$[0-9@*#?$!-]/);
  // Nothing literal after the last run-time part (`"$f"`, `$dir/`): no secret is named.
  const tail = parts[parts.length - 1] ?? '';
  if (parts.length > 1 && tail.replace(/\/+$/, '') === '') return undefined;
  const glob = parts.join('*');
  return { glob, ...(parts.length > 1 && parts[0] === '' ? { leading: tail } : {}) };
}

/**
 * A word that starts with a run-time part (`$D/.ssh/id_rsa`): it names a
 * secret only when its literal end does (`/.ssh/…`, `/.aws/credentials`,
 * `/shadow`); `$dir/notes.txt` names none.
 */
function tailReason(tail: string, ctx: SecretFileContext): string | undefined {
  for (const entry of listFor(ctx)) {
    const rel =
      ctx.home && entry.path.startsWith(`${ctx.home}/`) ? entry.path.slice(ctx.home.length) : `/${path.posix.basename(entry.path)}`;
    const hit =
      entry.kind === 'tree' ? tail === rel || tail.startsWith(`${rel}/`) || tail.includes(`${rel}/`) : tail === rel || tail.endsWith(rel);
    if (hit) return `the path ends in ${tail}, like ${entry.path}, which holds ${entry.why}`;
  }
  const proc = /\/(environ|mem|cmdline)$/.exec(tail);
  return proc ? `the path ends in ${tail}, like /proc/PID/${proc[1]}, a process's ${proc[1]}` : undefined;
}

const listCache = new Map<string, ReturnType<typeof secretFiles>>();

function listFor(ctx: SecretFileContext): ReturnType<typeof secretFiles> {
  const key = ctx.home ?? '';
  let list = listCache.get(key);
  if (!list) {
    if (listCache.size > 16) listCache.clear();
    list = secretFiles(ctx);
    listCache.set(key, list);
  }
  return list;
}

function globReason(glob: string, ctx: SecretFileContext): string | undefined {
  const meta = glob.search(/[*?[]/);
  if (meta < 0) return secretReason(glob, ctx);
  const staticDir = glob.slice(0, Math.max(1, glob.lastIndexOf('/', meta)));
  const inside = secretReason(staticDir, ctx);
  if (inside) return inside;
  const under = staticDir === '/' ? '/' : `${staticDir}/`;
  if (!PROC_SECRET_SAMPLES.some((p) => p.startsWith(under)) && !listFor(ctx).some((e) => e.path.startsWith(under))) return undefined;
  // As bash expands: `*` does not match a leading dot.
  const isMatch = picomatch(glob, { dot: false, noextglob: true, nobrace: true });
  for (const sample of PROC_SECRET_SAMPLES)
    if (isMatch(sample)) return `${glob} may match ${sample}, ${secretReason(sample, ctx) ?? 'a secret'}`;
  for (const entry of listFor(ctx)) {
    // A file inside a tree: try the glob's own last name there (`$D/.ssh/id_rsa` against ~/.ssh/id_rsa).
    const inside = entry.kind === 'tree' ? [path.posix.join(entry.path, 'x'), path.posix.join(entry.path, path.posix.basename(glob))] : [];
    if (isMatch(entry.path) || inside.some((p) => isMatch(p))) return `${glob} may match ${entry.path}, which holds ${entry.why}`;
  }
  return undefined;
}

/** Cheap test before the list is walked: every secret lives under one of these. */
function mayBeSecret(target: string, home: string | undefined): boolean {
  return (
    target.startsWith('/proc/') ||
    target.startsWith('/dev/') ||
    target.startsWith('/etc/') ||
    target.startsWith('/root/') ||
    target.startsWith('/var/lib/') ||
    (home !== undefined && target.startsWith(`${home}/.`))
  );
}

/** Why reading the words `words` (a command's, or `<` redirections' when `redirect`) exposes a secret file, or undefined. */
function wordsReason(
  words: readonly Arg[],
  cwds: readonly string[],
  home: string | undefined,
  how: { namesOnly: boolean; deep: boolean; redirect: boolean },
): string | undefined {
  const ctx: SecretFileContext = home !== undefined ? { home } : {};
  const { namesOnly, deep } = how;
  const isRedirect = how.redirect;
  for (const w of words) {
    for (const c of candidates(w)) {
      if (c.dynamic) {
        const g = asGlob(c.text, home);
        if (!g) continue;
        if (g.leading !== undefined) {
          const why = tailReason(g.leading, ctx);
          if (why && (!namesOnly || isRedirect)) return why;
          continue;
        }
        for (const cwd of cwds) {
          const why = globReason(g.glob.startsWith('/') ? g.glob : path.posix.join(cwd, g.glob), ctx);
          if (why && (!namesOnly || isRedirect)) return why;
        }
        continue;
      }
      for (const cwd of cwds) {
        const target = c.glob ? (c.text.startsWith('/') ? c.text : path.posix.join(cwd, c.text)) : resolvePath(c.text, cwd);
        const why = c.glob ? globReason(target, ctx) : mayBeSecret(target, home) ? secretReason(target, ctx) : undefined;
        if (why && (!namesOnly || isRedirect)) return why;
        if (!why && deep && !isRedirect && !c.text.startsWith('-')) {
          const held = c.glob ? undefined : secretReason(target, ctx, { containing: true });
          if (held) return held;
        }
      }
    }
  }
  return undefined;
}

/** Why this command reads a secret file, or undefined. */
export function secretReadReason(cmd: NormalizedCommand, cwds: readonly string[], home: string | undefined): string | undefined {
  const real = cmd.layers.filter((l) => !l.restrictOnly);
  const innermost = real[real.length - 1];
  const namesOnly = innermost !== undefined && !innermost.dynamicProgram && NAMES_ONLY.has(innermost.program);
  const own = wordsReason(cmd.argv, cwds, home, { namesOnly, deep: real.some(recursive), redirect: false });
  if (own) return own;
  // What a wrapper's own options read counts too (`xargs -a FILE` prints FILE's words as arguments).
  return cmd.reads ? wordsReason(cmd.reads, cwds, home, { namesOnly: false, deep: false, redirect: false }) : undefined;
}

/** Why a `<` (or `<>`) redirection from `arg` reads a secret file, or undefined. */
export function secretRedirectReason(arg: Arg, cwds: readonly string[], home: string | undefined): string | undefined {
  return wordsReason([arg], cwds, home, { namesOnly: false, deep: false, redirect: true });
}
