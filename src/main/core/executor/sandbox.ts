import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { protectedPaths, type ProtectedPathContext } from '../policy/protected-paths';
import { findExecutable } from '../executable';

/**
 * Wall 1 of the trust model: the quiet path (auto-allowed commands) runs
 * under bubblewrap. The whole filesystem is mounted read-only, the working
 * tree read-write except its protected places, /tmp is a private tmpfs and
 * /dev a minimal one; bwrap always sets no_new_privs, so setuid programs
 * (sudo) cannot gain rights. Processes, /proc, /run (D-Bus, systemd) and the
 * network are the host's, so reading, listing and querying work as before.
 */
export type SandboxStatus = { available: true; bwrap: string; version: string } | { available: false; bwrap: string; reason: string };

export interface SandboxOptions {
  /** The bwrap program: a name looked up on PATH, or a path. Default `bwrap`. */
  bwrap?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Turned off by config: the quiet path runs unconfined and is reported as such. */
  disabled?: boolean;
}

/** What a confined command may write, and what stays read-only inside it. */
export interface Confinement {
  /** The working tree: writable. */
  workTree: string;
  /** Existing paths inside the working tree mounted read-only over it. */
  readOnly: string[];
}

/** How deep the working tree is searched for repositories whose hooks and config must stay read-only. */
const REPO_SCAN_DEPTH = 3;
const REPO_SCAN_MAX_DIRS = 4000;

export class Sandbox {
  private status_: SandboxStatus | undefined;
  readonly bwrapName: string;

  constructor(private readonly o: SandboxOptions = {}) {
    this.bwrapName = o.bwrap ?? 'bwrap';
  }

  /** Probed once, by really running bwrap with the mounts commands get. */
  status(): SandboxStatus {
    this.status_ ??= this.probe();
    return this.status_;
  }

  private probe(): SandboxStatus {
    const name = this.bwrapName;
    if (this.o.disabled) return { available: false, bwrap: name, reason: 'confinement is turned off ([commands] confine_auto_allowed = false)' };
    const bwrap = findExecutable(name, this.o.env?.PATH ?? process.env.PATH);
    if (!bwrap) return { available: false, bwrap: name, reason: `bubblewrap is not installed (no ${name} on PATH); install the bubblewrap package` };
    const r = spawnSync(bwrap, [...baseArgs(), '--', '/bin/sh', '-c', 'test ! -w /usr && echo confined'], { encoding: 'utf8', timeout: 10_000 });
    if (r.error) return { available: false, bwrap, reason: `bubblewrap cannot start: ${r.error.message}` };
    if (r.status !== 0 || !r.stdout.includes('confined')) {
      const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
      return { available: false, bwrap, reason: `bubblewrap cannot create a sandbox here (${why || `exit ${r.status}`}); user namespaces may be off` };
    }
    const v = spawnSync(bwrap, ['--version'], { encoding: 'utf8', timeout: 5000 });
    return { available: true, bwrap, version: (v.stdout || '').trim().replace(/^bubblewrap\s*/, '') || 'unknown' };
  }

  /**
   * The argv that runs `shell -c command` confined, or undefined when
   * bubblewrap is unavailable (the caller then treats the command as notify).
   */
  wrap(shell: string, command: string, confinement: Confinement, cwd: string = confinement.workTree): { file: string; args: string[] } | undefined {
    const s = this.status();
    if (!s.available) return undefined;
    const tree = confinement.workTree;
    const args = [...baseArgs(), '--bind', tree, tree];
    for (const p of confinement.readOnly) args.push('--ro-bind', p, p);
    args.push('--chdir', cwd, '--', shell, '-c', command);
    return { file: s.bwrap, args };
  }
}

function baseArgs(): string[] {
  // No --unshare-pid and no new /proc: `ps`, `systemctl status` and /proc reads see the host as before.
  return ['--ro-bind', '/', '/', '--dev', '/dev', '--tmpfs', '/tmp', '--die-with-parent'];
}

/**
 * The protected places that exist inside `workTree` (and the hooks and
 * config of repositories in or above it): these are mounted read-only over
 * the writable tree. A protected file that does not exist yet cannot be
 * covered without creating it, so it is not (see README, "The quiet path").
 */
export function confinementFor(workTree: string, ctx: ProtectedPathContext): Confinement {
  const tree = path.resolve(workTree);
  const inside = (p: string) => p === tree || p.startsWith(`${tree}/`);
  const readOnly = new Set<string>();
  const addIfExists = (p: string) => {
    if (inside(p) && fs.existsSync(p)) readOnly.add(p);
  };
  for (const entry of protectedPaths(ctx)) {
    if (entry.path === tree || inside(entry.path)) addIfExists(entry.path);
  }
  const addRepo = (dir: string) => {
    addIfExists(path.join(dir, '.git', 'hooks'));
    addIfExists(path.join(dir, '.git', 'config'));
  };
  // Repositories above the tree: their .git lies outside and is read-only anyway, unless the tree is the repository.
  addRepo(tree);
  let scanned = 0;
  const scan = (dir: string, depth: number) => {
    if (depth > REPO_SCAN_DEPTH || scanned++ > REPO_SCAN_MAX_DIRS) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === 'node_modules' || e.name === '.git') continue;
      const sub = path.join(dir, e.name);
      addRepo(sub);
      scan(sub, depth + 1);
    }
  };
  scan(tree, 1);
  // A tree that is itself protected (the config dir) stays read-only: binding it read-only over itself does that.
  return { workTree: tree, readOnly: [...readOnly].sort((a, b) => a.length - b.length) };
}
