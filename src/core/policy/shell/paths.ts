import path from 'node:path';

/**
 * Lexical path handling for the policy: no filesystem access, so a decision
 * is the same wherever it is made (symlinks are therefore not followed).
 */

/** Directories whose programs are known by their name: `/usr/bin/rm` is `rm`. */
const SYSTEM_BIN_DIRS = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);

/** `/usr/bin/rm` → `rm`; other paths (`./x`, `/opt/x/rm`) stay paths. */
export function programName(word: string): { name: string; basename?: string } {
  if (!word.includes('/')) return { name: word };
  const normal = path.posix.normalize(word);
  const dir = path.posix.dirname(normal);
  const base = path.posix.basename(normal);
  if (word.startsWith('/') && SYSTEM_BIN_DIRS.has(dir)) return { name: base };
  return { name: word, basename: base };
}

/** Resolves `p` against `cwd` and removes `.`, `..`, doubled and trailing slashes. */
export function resolvePath(p: string, cwd: string): string {
  return path.posix.resolve(cwd, p);
}

export function isInside(target: string, root: string): boolean {
  if (root === '/') return true;
  return target === root || target.startsWith(`${root}/`);
}

/** Where a write is harmless wherever the working tree is. */
const HARMLESS_TARGETS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty', '/dev/zero']);

export function isHarmlessTarget(p: string): boolean {
  return HARMLESS_TARGETS.has(p) || /^\/dev\/fd\/\d+$/.test(p) || /^\/proc\/self\/fd\/\d+$/.test(p);
}

/** System locations a write always needs approval for, even when the working tree contains them (cwd `/`). */
const PROTECTED_ROOTS = [
  '/etc',
  '/boot',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/opt',
  '/proc',
  '/sys',
  '/dev',
  '/var',
  '/root',
  '/srv',
  '/run',
];

export function isProtected(p: string): boolean {
  return p === '/' || PROTECTED_ROOTS.some((root) => isInside(p, root));
}
